import { expect } from "vitest";
import type { Db } from "@/lib/db";
import { readTimeline, type ItemView } from "@/lib/timeline/testing/events";

// The six invariants of docs/timeline.md, as checks over what is stored.

export interface Snapshot {
  items: ItemView[];
  events: Map<
    string,
    {
      prevEvents: string[];
      pdu: string;
      redacted: boolean;
      redactedBy: string | null;
      deniedReason: string | null;
      redacts: string | null;
      depth: bigint;
      source: string;
    }
  >;
}

export async function snapshot(db: Db, roomId: string): Promise<Snapshot> {
  const items = await readTimeline(db, roomId);
  const rows = await db.event.findMany({ where: { roomId } });
  return {
    items,
    events: new Map(
      rows.map((e) => [
        e.eventId,
        {
          prevEvents: e.prevEvents,
          pdu: e.pdu,
          redacted: e.redacted,
          redactedBy: e.redactedBy,
          deniedReason: e.deniedReason,
          redacts: e.redacts,
          depth: e.depth,
          source: e.source,
        },
      ]),
    ),
  };
}

/** 1. Stability: items keep their relative order; events never leave; new gaps only split old ones around new events. */
export function checkStability(before: Snapshot, after: Snapshot): void {
  const afterIds = new Set(after.items.map((i) => i.id));
  const beforeIds = new Set(before.items.map((i) => i.id));
  for (const i of before.items) if (i.kind !== "gap") expect(afterIds.has(i.id), `item ${i.eventId ?? i.id} vanished`).toBe(true);
  const kept = (items: ItemView[], other: Set<bigint>) => items.filter((i) => other.has(i.id)).map((i) => i.id);
  expect(kept(after.items, beforeIds)).toEqual(kept(before.items, afterIds));
  after.items.forEach((item, k) => {
    if (item.kind !== "gap" || beforeIds.has(item.id)) return;
    // Between the nearest old items around a new gap there must be a new event it stands next to.
    let newEvent = false;
    for (let j = k - 1; j >= 0 && !beforeIds.has(after.items[j]!.id); j--) newEvent ||= after.items[j]!.kind === "event";
    for (let j = k + 1; j < after.items.length && !beforeIds.has(after.items[j]!.id); j++) newEvent ||= after.items[j]!.kind === "event";
    expect(newEvent, `gap ${item.id} appeared inside history that did not change`).toBe(true);
  });
}

/** Every stored event has exactly one event item, and positions are strictly increasing. */
export function checkShape(s: Snapshot): void {
  const eventItems = s.items.filter((i) => i.kind === "event").map((i) => i.eventId!);
  expect(new Set(eventItems).size).toBe(eventItems.length);
  expect([...eventItems].sort()).toEqual([...s.events.keys()].sort());
  for (let k = 1; k < s.items.length; k++) expect(s.items[k]!.position > s.items[k - 1]!.position).toBe(true);
}

/** 2. Topology: a stored prev_event comes before its successor. */
export function checkTopology(s: Snapshot): void {
  const index = new Map(s.items.map((i, k) => [i.eventId, k]));
  // Item IDs grow with insertion, so they tell in which order the two were placed.
  const about = (id: string) => {
    const item = s.items[index.get(id)!];
    const e = s.events.get(id);
    return `${id} (item ${item?.id}, depth ${e?.depth}, from ${e?.source})`;
  };
  for (const [id, e] of s.events) {
    for (const p of e.prevEvents) {
      if (index.has(p)) expect(index.get(p)! < index.get(id)!, `${about(p)} must come before ${about(id)}`).toBe(true);
    }
  }
}

/** The whole timeline as text, one item per line in order: what a failed invariant needs to be understood. */
export function describeTimeline(s: Snapshot): string {
  return s.items
    .map((i) => {
      const e = i.eventId ? s.events.get(i.eventId) : undefined;
      const what =
        i.kind === "event"
          ? `${i.eventId} depth ${e?.depth} from ${e?.source} prevs ${e?.prevEvents.join(",")}`
          : `missing ${i.missing.join(",")} tips ${i.tips.join(",")}`;
      return `${i.position}\titem ${i.id}\t${i.kind}\t${what}`;
    })
    .join("\n");
}

/**
 * 3. Honest gaps: a missing prev_event is recorded by a gap between the event and the stored
 * events before it; a date-jump edge without known successors is recorded by a gap after it;
 * and gaps record nothing that is not missing.
 */
export function checkHonestGaps(s: Snapshot, jumpLoaded: ReadonlySet<string>): void {
  const successorsKnown = new Set([...s.events.values()].flatMap((e) => e.prevEvents));
  s.items.forEach((item, k) => {
    if (item.kind === "gap") {
      expect(item.missing.length + item.tips.length, `gap ${item.id} records nothing`).toBeGreaterThan(0);
      for (const m of item.missing) expect(s.events.has(m), `gap lists stored ${m} as missing`).toBe(false);
      for (const t of item.tips) expect(successorsKnown.has(t), `gap lists ${t} whose successor is stored`).toBe(false);
      return;
    }
    if (item.kind !== "event") return;
    const e = s.events.get(item.eventId!)!;
    const missing = e.prevEvents.filter((p) => !s.events.has(p));
    if (missing.length === 0) return;
    const gapsBefore: ItemView[] = [];
    for (let j = k - 1; j >= 0 && s.items[j]!.kind !== "event"; j--) if (s.items[j]!.kind === "gap") gapsBefore.push(s.items[j]!);
    for (const m of missing) {
      expect(
        gapsBefore.some((g) => g.missing.includes(m)),
        `no gap records ${m} missing before ${item.eventId}`,
      ).toBe(true);
    }
  });
  for (const id of jumpLoaded) {
    if (successorsKnown.has(id) || !s.events.has(id)) continue;
    const at = s.items.findIndex((i) => i.eventId === id);
    expect(
      s.items.slice(at + 1).some((i) => i.kind === "gap" && i.tips.includes(id)),
      `jump edge ${id} is not bounded by a gap`,
    ).toBe(true);
  }
}

/** 6. Redactions: a target of a stored redaction is stored as its redacted copy, others as sent. */
export function checkRedactions(s: Snapshot, originalPdu: (id: string) => string, redacted: (pdu: string) => string): void {
  const targets = new Set([...s.events.values()].map((e) => e.redacts).filter((t): t is string => t !== null));
  for (const [id, e] of s.events) {
    if (targets.has(id)) {
      expect(e.redacted, `${id} should be redacted`).toBe(true);
      expect(e.pdu).toBe(redacted(originalPdu(id)));
    } else {
      expect(e.redacted, `${id} should not be redacted`).toBe(false);
      expect(e.pdu).toBe(originalPdu(id));
    }
  }
}

/** 4. Idempotence: nothing changed at all. */
export function checkUnchanged(before: Snapshot, after: Snapshot): void {
  expect(after.items).toEqual(before.items);
  expect(after.events).toEqual(before.events);
}
