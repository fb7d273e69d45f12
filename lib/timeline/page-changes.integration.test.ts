import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents } from "@/lib/timeline/insert-events";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";

// Which invalidation a write logs (docs/page-cache.md): only an append of today's events that
// relate to nothing earlier is soft (while a page it changes renders again, the render before
// may answer concurrent requests).

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const ROOM = "!changes:example.org";
const now = Date.now();
const DAY = 86_400_000;

async function logged(specs: EventSpec[], arrival: Parameters<typeof insertEvents>[1]["arrival"] = { kind: "live" }) {
  const before = await db.prisma.pageCacheInvalidation.aggregate({ _max: { seq: true } });
  await insertEvents(db.prisma, { roomId: ROOM, arrival, events: specs.map((s) => makeEvent(ROOM, s)), redact: testRedact });
  const rows = await db.prisma.pageCacheInvalidation.findMany({ where: { seq: { gt: before._max.seq ?? 0n } } });
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe("the invalidation a timeline write logs", () => {
  it("is soft only for today's new messages appended at the end", async () => {
    await createRoom(db.prisma, ROOM);
    const first = await logged([{ id: "$a", depth: 1, ts: now - 3 * DAY }]);
    expect(first.soft).toBe(false);
    const today = await logged([{ id: "$b", prevs: ["$a"], depth: 2, ts: now }]);
    expect(today.soft).toBe(true);
    expect(today.tags.some((t) => t.startsWith("d:"))).toBe(true);
    // A live event of a past day is a late event for that day's page.
    expect((await logged([{ id: "$c", prevs: ["$b"], depth: 3, ts: now - 2 * DAY }])).soft).toBe(false);
    // A redaction changes an earlier message.
    expect((await logged([{ id: "$d", prevs: ["$c"], depth: 4, ts: now, redacts: "$b" }])).soft).toBe(false);
    expect((await logged([{ id: "$e", prevs: ["$d"], depth: 5, ts: now }])).soft).toBe(true);
    // History slotted in before stored events changes every page after it.
    const late = await logged([{ id: "$x", depth: 1, ts: now }], { kind: "backfill", before: "$a" });
    expect(late.soft).toBe(false);
    expect(late.tags.some((t) => t.startsWith("r:"))).toBe(true);
  });
});
