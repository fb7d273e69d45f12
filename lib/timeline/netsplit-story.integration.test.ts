import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { getDayWindow, insertEvents, listGaps, type DayItem } from "@/lib/timeline";
import { createRoom, makeEvent, readTimeline, testRedact, type EventSpec } from "@/lib/timeline/testing/events";
import { checkHonestGaps, checkShape, checkTopology, snapshot } from "@/lib/timeline/testing/invariants";
import type { Arrival } from "@/lib/timeline/types";

// The seed's story (issue 5): a long-lived room; a netsplit during which the other server
// sends 200 messages; after the split heals only the newest of them and the 10 before it
// arrive live; 50 more messages. The gap sits where the 189 missing messages belong, a later
// backfill fills it in place, and nothing a reader saw before moves.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const ROOM = "!story:example.org";
const DAY = Date.parse("2024-03-15T00:00:00Z");
const MIN = 60_000;
const insert = (arrival: Arrival, specs: EventSpec[]) =>
  insertEvents(db.prisma, { roomId: ROOM, arrival, events: specs.map((s) => makeEvent(ROOM, s)), redact: testRedact });
const ids = (items: { kind: string; eventId: string | null }[]) => items.filter((i) => i.kind === "event").map((i) => i.eventId!);
const chain = (prefix: string, count: number, first: { prev: string; depth: number; ts: number }, everyMs = MIN): EventSpec[] =>
  Array.from({ length: count }, (_, i) => ({
    id: `$${prefix}${String(i + 1).padStart(3, "0")}`,
    prevs: [i === 0 ? first.prev : `$${prefix}${String(i).padStart(3, "0")}`],
    depth: first.depth + i,
    ts: first.ts + i * everyMs,
  }));
const label = (i: DayItem) => (i.kind === "event" ? i.eventId : i.kind);

describe("the netsplit story", () => {
  it("shows the gap where the lost messages belong and fills it in place", async () => {
    await createRoom(db.prisma, ROOM);
    // A long-lived room: 400 messages, delivered live as they happen.
    const history = chain("h", 400, { prev: "$create", depth: 2, ts: DAY - 400 * MIN }, MIN);
    await insert({ kind: "live" }, [{ id: "$create", depth: 1, ts: DAY - 401 * MIN }]);
    for (let i = 0; i < history.length; i += 50) await insert({ kind: "live" }, history.slice(i, i + 50));

    // Netsplit at $h400: our side keeps talking (30 messages, delivered), the other server
    // sends 200 messages nobody on our side receives.
    const split = { prev: "$h400", depth: 402, ts: DAY + 10 * MIN };
    const ours = chain("a", 30, split, 2 * MIN);
    const theirs = chain("b", 200, split, 17_000);
    for (const e of ours) await insert({ kind: "live" }, [e]);

    // The split heals: the newest of theirs and the 10 before it arrive with the merge event.
    const merge: EventSpec = { id: "$merge", prevs: ["$a030", "$b200"], depth: 602, ts: DAY + 70 * MIN };
    await insert({ kind: "live" }, [...theirs.slice(189), merge]);
    const after = chain("c", 50, { prev: "$merge", depth: 603, ts: DAY + 71 * MIN });
    for (let i = 0; i < after.length; i += 10) await insert({ kind: "live" }, after.slice(i, i + 10));

    const seen = await readTimeline(db.prisma, ROOM);
    const gaps = await listGaps(db.prisma, ROOM);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ missingPrevEvents: ["$b189"], eventBefore: "$a030", eventAfter: "$b190" });
    expect(ids(seen)).toEqual([
      "$create",
      ...history.map((e) => e.id),
      ...ours.map((e) => e.id),
      ...theirs.slice(189).map((e) => e.id),
      "$merge",
      ...after.map((e) => e.id),
    ]);
    const order = ids(seen);
    expect(order.indexOf("$a030") + 1).toBe(order.indexOf("$b190"));
    const pageBefore = await getDayWindow(db.prisma, { roomId: ROOM, day: "2024-03-15", limit: 500 });
    expect(pageBefore.items.map(label).filter((l) => l === "gap")).toHaveLength(1);

    // Later, a background backfill walks from $b190 into the gap, 50 events per request.
    let before = "$b190";
    for (let end = 189; end > 0; end -= 50) {
      const batch = theirs.slice(Math.max(0, end - 50), end).reverse();
      await insert({ kind: "backfill", before }, batch);
      before = batch[batch.length - 1]!.id;
    }

    const filled = await readTimeline(db.prisma, ROOM);
    expect(await listGaps(db.prisma, ROOM)).toEqual([]);
    // Nothing a reader saw moved: the old order is the new order without the filled events.
    const filledOrder = ids(filled);
    expect(filledOrder.filter((id) => order.includes(id))).toEqual(order);
    // The 189 lost messages sit exactly where the gap was, in their own order.
    const at = filledOrder.indexOf("$a030");
    expect(filledOrder.slice(at + 1, at + 190)).toEqual(theirs.slice(0, 189).map((e) => e.id));
    expect(filledOrder[at + 190]).toBe("$b190");
    const s = await snapshot(db.prisma, ROOM);
    checkShape(s);
    checkTopology(s);
    checkHonestGaps(s, new Set());
    // The day page keeps every event it showed, in the same order, with the gap now filled.
    const pageAfter = await getDayWindow(db.prisma, { roomId: ROOM, day: "2024-03-15", limit: 500 });
    const shown = pageBefore.items.map(label).filter((l) => l !== "gap");
    expect(pageAfter.items.map(label).filter((l) => shown.includes(l))).toEqual(shown);
    expect(pageAfter.items.some((i) => i.kind === "gap")).toBe(false);
  });
});
