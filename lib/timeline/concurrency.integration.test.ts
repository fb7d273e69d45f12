import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents, listGaps } from "@/lib/timeline";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";
import { checkHonestGaps, checkShape, checkTopology, snapshot } from "@/lib/timeline/testing/invariants";
import type { Arrival } from "@/lib/timeline/types";

// Two fills of one room at the same time (a reader's "load missing messages" and the
// background backfill, or two instances): the room lock makes them apply one after the other,
// so both land and every invariant holds, whichever goes first.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const chain = (prefix: string, from: number, to: number, root: string): EventSpec[] =>
  Array.from({ length: to - from + 1 }, (_, k) => {
    const i = from + k;
    return { id: `${prefix}${i}`, prevs: [i === 1 ? root : `${prefix}${i - 1}`], depth: i + 1, ts: 1_710_000_000_000 + i * 1000 };
  });

describe("concurrent fills of one room", () => {
  it("keep every invariant, for fills into two gaps and into the same gap", async () => {
    for (const round of [1, 2, 3]) {
      const roomId = `!conc${round}:example.org`;
      const p = `$r${round}e`;
      await createRoom(db.prisma, roomId);
      const events = chain(p, 1, 300, `${p}0`);
      const insert = (arrival: Arrival, specs: EventSpec[]) =>
        insertEvents(db.prisma, { roomId, arrival, events: specs.map((s) => makeEvent(roomId, s)), redact: testRedact });
      // Live delivery lost 2..99 and 151..249: two gaps.
      await insert({ kind: "live" }, [{ id: `${p}0`, depth: 1 }, ...events.slice(0, 1)]);
      await insert({ kind: "live" }, events.slice(99, 150));
      await insert({ kind: "live" }, events.slice(249));
      expect(await listGaps(db.prisma, roomId)).toHaveLength(2);

      const fillFirst = insert({ kind: "backfill", before: `${p}100` }, events.slice(1, 99).reverse());
      const fillSecond = insert({ kind: "forwards", after: `${p}150` }, events.slice(150, 249));
      // The same gap twice at once, with overlapping batches: one stores, the other skips.
      const fillSecondAgain = insert({ kind: "backfill", before: `${p}250` }, events.slice(200, 249).reverse());
      const live = insert({ kind: "live" }, chain(p, 301, 310, `${p}300`));
      const results = await Promise.all([fillFirst, fillSecond, fillSecondAgain, live]);

      const inserted = results.flatMap((r) => r.inserted);
      expect(new Set(inserted).size).toBe(inserted.length);
      expect(inserted.length).toBe(98 + 99 + 10);
      expect(await listGaps(db.prisma, roomId)).toEqual([]);
      const s = await snapshot(db.prisma, roomId);
      checkShape(s);
      checkTopology(s);
      checkHonestGaps(s, new Set());
      const order = s.items.map((i) => i.eventId);
      expect(order).toEqual([`${p}0`, ...chain(p, 1, 310, `${p}0`).map((e) => e.id)]);
    }
  });
});
