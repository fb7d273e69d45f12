import { expect } from "vitest";
import type { Db } from "@/lib/db";
import { denyEvent } from "@/lib/timeline/deny";
import { listGaps } from "@/lib/timeline/gap-queries";
import { insertEvents } from "@/lib/timeline/insert-events";
import { walk, walkByDepth, type ArrivalStep, type DagEvent } from "@/lib/timeline/testing/dag";
import { makeEvent, readTimeline, testRedact } from "@/lib/timeline/testing/events";
import { renumberAround } from "@/lib/timeline/renumber";
import { withRoomLock } from "@/lib/timeline/room-lock";
import { checkHonestGaps, checkRedactions, checkShape, checkStability, checkTopology, checkUnchanged, snapshot } from "@/lib/timeline/testing/invariants";
import type { Arrival } from "@/lib/timeline/types";

/**
 * Plays an arrival schedule against a room the way the federation layer would see it: events
 * are created over time, live delivery may drop some (a netsplit), and fills fetch what the
 * DAG holds around stored events. With `check`, every invariant is checked after every step.
 */
export async function playSchedule(db: Db, roomId: string, dag: readonly DagEvent[], steps: readonly ArrivalStep[], check: boolean) {
  const stored = new Set<string>();
  const jumpLoaded = new Set<string>();
  let created = 0;
  const successors = new Map<string, string[]>();
  for (const e of dag) for (const p of e.prevs) successors.set(p, [...(successors.get(p) ?? []), e.id]);
  const isCreated = new Set<string>();
  const storedInOrder = () => dag.filter((e) => stored.has(e.id));
  const unknown = (id: string) => isCreated.has(id) && !stored.has(id);
  const specs = new Map(dag.map((e) => [e.id, e]));
  const originalPdu = (id: string) => makeEvent(roomId, specs.get(id)!).pdu;

  const deliver = async (arrival: Arrival, batch: readonly DagEvent[]) => {
    const result = await insertEvents(db, { roomId, arrival, events: batch.map((e) => makeEvent(roomId, e)), redact: testRedact });
    for (const id of result.inserted) stored.add(id);
    return result;
  };

  let before = check ? await snapshot(db, roomId) : undefined;
  for (const [index, step] of steps.entries()) {
    let idempotent = false;
    let denied: string | undefined;
    switch (step.kind) {
      case "live": {
        const fresh = dag.slice(created, created + step.size);
        created += fresh.length;
        for (const e of fresh) isCreated.add(e.id);
        const batch = step.drop ? fresh.slice(-Math.ceil(fresh.length / 3)) : fresh;
        if (batch.length > 0) await deliver({ kind: "live" }, batch);
        break;
      }
      case "catchup": {
        const fresh = dag.slice(created, created + step.size);
        created += fresh.length;
        for (const e of fresh) isCreated.add(e.id);
        const newest = fresh.at(-1);
        if (!newest) break;
        const behind = walkByDepth(dag, newest.prevs, unknown, step.behind);
        await deliver({ kind: "live" }, [...behind, newest]);
        break;
      }
      case "backfill": {
        const candidates = storedInOrder().filter((e) => e.prevs.some(unknown));
        const x = candidates[step.pick % Math.max(1, candidates.length)];
        if (!x) break;
        const from = x.prevs.filter(unknown);
        const batch = step.byDepth ? walkByDepth(dag, from, unknown, step.size) : walk(dag, from, "backwards", unknown, step.size);
        await deliver({ kind: "backfill", before: x.id }, batch);
        break;
      }
      case "forwards": {
        const candidates = storedInOrder().filter((e) => (successors.get(e.id) ?? []).some(unknown));
        const x = candidates[step.pick % Math.max(1, candidates.length)];
        if (!x) break;
        const batch = walk(dag, (successors.get(x.id) ?? []).filter(unknown), "forwards", unknown, step.size);
        await deliver({ kind: "forwards", after: x.id }, batch);
        break;
      }
      case "jump": {
        const candidates = dag.filter((e) => unknown(e.id));
        const start = candidates[step.pick % Math.max(1, candidates.length)];
        if (!start) break;
        const batch = walk(dag, [start.id], "forwards", unknown, step.size);
        const gaps = step.intoGap ? await listGaps(db, roomId) : [];
        const gap = gaps[step.pick % Math.max(1, gaps.length)];
        const result = await deliver(gap ? { kind: "jump", gapId: BigInt(gap.gapId) } : { kind: "jump" }, batch);
        for (const id of result.inserted) jumpLoaded.add(id);
        break;
      }
      case "redeliver": {
        const all = storedInOrder();
        if (all.length === 0) break;
        const from = step.pick % all.length;
        const batch = all.slice(from, from + step.size);
        const result = await deliver({ kind: "live" }, batch);
        expect(result.inserted).toEqual([]);
        idempotent = true;
        break;
      }
      case "renumber": {
        const items = await readTimeline(db, roomId);
        const k = step.pick % Math.max(1, items.length + 1);
        await withRoomLock(db, roomId, (tx) => renumberAround(tx, roomId, items[k - 1]?.position ?? null, items[k]?.position ?? null, step.incoming));
        if (check && before && items.length > 1) {
          const moved = (await readTimeline(db, roomId)).some((item, i) => item.position !== items[i]!.position);
          expect(moved, "renumbering changed no position").toBe(true);
        }
        break;
      }
      case "deny": {
        const all = storedInOrder();
        const target = all[step.pick % Math.max(1, all.length)];
        if (!target) break;
        const result = await denyEvent(db, { roomId, eventId: target.id, reason: "test", deniedAt: 1_710_460_800_000n + BigInt(index) });
        if (result.denied) denied = target.id;
        else idempotent = true;
        break;
      }
    }
    if (!check || !before) continue;
    const after = await snapshot(db, roomId);
    if (idempotent) checkUnchanged(before, after);
    checkStability(before, after);
    checkShape(after);
    checkTopology(after);
    checkHonestGaps(after, jumpLoaded);
    checkRedactions(after, originalPdu, (pdu) => testRedact(pdu, "11"));
    if (denied) {
      const last = after.items[after.items.length - 1]!;
      expect(last).toMatchObject({ kind: "denial", deniedEventId: denied });
      expect(after.events.get(denied)!.deniedReason).toBe("test");
      expect(after.items.some((i) => i.eventId === denied)).toBe(true);
    }
    before = after;
  }
}
