import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { backfillFrontier } from "@/lib/timeline/gap-queries";
import { insertEvents } from "@/lib/timeline/insert-events";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";

// The frontier a backfill asks for next: the latest gap with known missing prev_events, with the
// gaps close behind it (within the cluster span of 200 events), before the event after the
// earliest of them.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

let counter = 0;
async function room(): Promise<string> {
  const roomId = `!frontier${++counter}:example.org`;
  await createRoom(db.prisma, roomId);
  return roomId;
}
// Event IDs are unique across rooms: each test's IDs carry its room's number.
const own = (roomId: string, id: string) => `${id}_${roomId.slice(9, roomId.indexOf(":"))}`;
const live = (roomId: string, specs: EventSpec[]) =>
  insertEvents(db.prisma, {
    roomId,
    arrival: { kind: "live" },
    events: specs.map((s) => makeEvent(roomId, { ...s, id: own(roomId, s.id), prevs: s.prevs?.map((p) => own(roomId, p)) })),
    redact: testRedact,
  });
const frontier = async (roomId: string, skip: string[]) => {
  const f = await backfillFrontier(db.prisma, roomId, new Set(skip.map((id) => own(roomId, id))));
  return f && { missing: f.missing.map((m) => m.slice(0, m.lastIndexOf("_"))), before: f.before.slice(0, f.before.lastIndexOf("_")) };
};

/** `n` events in a chain after `after`, from depth `depth`; returns the last one's ID. */
async function chain(roomId: string, tag: string, after: string, depth: number, n: number): Promise<string> {
  const specs: EventSpec[] = [];
  let prev = after;
  for (let i = 0; i < n; i++) {
    const id = `$${tag}${i}`;
    specs.push({ id, prevs: [prev], depth: depth + i });
    prev = id;
  }
  for (let i = 0; i < specs.length; i += 100) await live(roomId, specs.slice(i, i + 100));
  return prev;
}

describe("backfillFrontier", () => {
  it("takes the latest gap, and the gaps close behind it, before the event after the earliest", async () => {
    const r = await room();
    await live(r, [{ id: "$a", depth: 1 }]);
    await live(r, [{ id: "$d", prevs: ["$c"], depth: 10 }]);
    const end = await chain(r, "near", "$d", 11, 20);
    await live(r, [{ id: "$z", prevs: ["$y", end], depth: 40 }]);
    expect(await frontier(r, [])).toEqual({ missing: ["$y", "$c"], before: "$d" });
    // A missing event already known to be unobtainable leaves its gap out.
    expect(await frontier(r, ["$y"])).toEqual({ missing: ["$c"], before: "$d" });
    expect(await frontier(r, ["$y", "$c"])).toBeUndefined();
  });

  it("stops the cluster at a gap more than 200 events behind", async () => {
    const r = await room();
    await live(r, [{ id: "$a", depth: 1 }]);
    await live(r, [{ id: "$d", prevs: ["$c"], depth: 10 }]);
    const end = await chain(r, "far", "$d", 11, 250);
    await live(r, [{ id: "$z", prevs: ["$y", end], depth: 300 }]);
    expect(await frontier(r, [])).toEqual({ missing: ["$y"], before: "$z" });
  });
});
