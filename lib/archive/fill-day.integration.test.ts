import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayMayHoldEvents } from "@/lib/archive/fill-day";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

// Days that cannot hold anything of a room are never filled (getDayPage queues no fill for them,
// and the fill-day job returns before reading the timeline): before the room's m.room.create, or
// after today. The check reads one indexed row and asks no server, so a crawler walking the year
// 1970 or next week costs neither a job nor a federation request.

let db: TestDatabase;
const ROOM = "!made:hs.test";
const CREATED = Date.UTC(2026, 10, 20, 15, 0);
const DAY = 86_400_000;
const day = (ts: number) => ({ start: ts - (ts % DAY), end: ts - (ts % DAY) + DAY });

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.room.create({ data: { roomId: ROOM, roomVersion: "11", historyVisibility: "world_readable" } });
  await db.prisma.room.create({ data: { roomId: "!partial:hs.test", roomVersion: "11", historyVisibility: "world_readable" } });
  await db.prisma.event.create({
    data: {
      eventId: "$create",
      roomId: ROOM,
      type: "m.room.create",
      stateKey: "",
      sender: "@a:hs.test",
      originServerTs: BigInt(CREATED),
      depth: 1n,
      pdu: "{}",
      source: "backfill",
    },
  });
});
afterAll(async () => db?.close());

describe("dayMayHoldEvents", () => {
  it("is false for days before the room's creation and in the future, true from the creation's day to today", async () => {
    const now = CREATED + 30 * DAY;
    const before = day(CREATED - DAY);
    const creationDay = day(CREATED);
    const future = day(now + DAY);
    expect(await dayMayHoldEvents(db.prisma, ROOM, before.start, before.end, now)).toBe(false);
    expect(await dayMayHoldEvents(db.prisma, ROOM, 0, DAY, now)).toBe(false);
    expect(await dayMayHoldEvents(db.prisma, ROOM, creationDay.start, creationDay.end, now)).toBe(true);
    expect(await dayMayHoldEvents(db.prisma, ROOM, creationDay.start + 10 * DAY, creationDay.end + 10 * DAY, now)).toBe(true);
    expect(await dayMayHoldEvents(db.prisma, ROOM, future.start, future.end, now)).toBe(false);
  });

  it("is true when the archive does not hold the creation (history not backfilled that far)", async () => {
    expect(await dayMayHoldEvents(db.prisma, "!partial:hs.test", 0, DAY)).toBe(true);
  });
});
