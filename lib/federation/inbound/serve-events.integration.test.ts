import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ancestorsOf, isServableRoom, successorsOf } from "@/lib/federation/inbound/serve-events";
import { serverMayAccessRoom } from "@/lib/federation/server-acl";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents, type TimelineEventInput } from "@/lib/timeline";

// What the archive serves to other servers from its store: successors for forwards_fill (in an
// order a client can insert, bounded by limit), ancestors for /backfill, world_readable only.

let db: TestDatabase;
const ROOM = "!dag:hs.example";

const ev = (eventId: string, depth: number, prevEvents: string[]): TimelineEventInput => ({
  eventId,
  roomId: ROOM,
  type: "m.room.message",
  stateKey: null,
  sender: "@a:hs.example",
  originServerTs: BigInt(1_700_000_000_000 + depth),
  depth: BigInt(depth),
  prevEvents,
  authEvents: [],
  pdu: JSON.stringify({ event: eventId }),
  redacted: false,
  redacts: null,
});

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.room.create({ data: { roomId: ROOM, roomVersion: "11", historyVisibility: "world_readable" } });
  await db.prisma.room.create({ data: { roomId: "!closed:hs.example", roomVersion: "11", historyVisibility: "shared" } });
  // a → (b, c) → d → e, plus f after e
  await insertEvents(db.prisma, {
    roomId: ROOM,
    arrival: { kind: "live" },
    events: [ev("$a", 1, []), ev("$b", 2, ["$a"]), ev("$c", 2, ["$a"]), ev("$d", 3, ["$b", "$c"]), ev("$e", 4, ["$d"]), ev("$f", 5, ["$e"])],
    redact: (text) => text,
  });
});
afterAll(async () => db?.close());

describe("successorsOf", () => {
  it("walks forwards from the given events, excluding them, parents first", async () => {
    const all = await successorsOf(db.prisma, ROOM, ["$a"], 100);
    expect(all.map((e) => e.eventId)).toEqual(["$b", "$c", "$d", "$e", "$f"]);
    const some = await successorsOf(db.prisma, ROOM, ["$a"], 3);
    expect(some.map((e) => e.eventId)).toEqual(["$b", "$c", "$d"]);
    expect((await successorsOf(db.prisma, ROOM, ["$f"], 10)).map((e) => e.eventId)).toEqual([]);
  });
});

describe("ancestorsOf", () => {
  it("returns the requested events and their ancestors, newest first, up to limit", async () => {
    expect((await ancestorsOf(db.prisma, ROOM, ["$e"], 100)).map((e) => e.eventId)).toEqual(["$e", "$d", "$b", "$c", "$a"]);
    expect((await ancestorsOf(db.prisma, ROOM, ["$e"], 2)).map((e) => e.eventId)).toEqual(["$e", "$d"]);
    expect(await ancestorsOf(db.prisma, ROOM, ["$unknown"], 10)).toEqual([]);
  });
});

describe("isServableRoom", () => {
  it("serves world_readable rooms only", async () => {
    expect(await isServableRoom(db.prisma, ROOM)).toBe(true);
    expect(await isServableRoom(db.prisma, "!closed:hs.example")).toBe(false);
    expect(await isServableRoom(db.prisma, "!nowhere:hs.example")).toBe(false);
  });
});

describe("serverMayAccessRoom", () => {
  it("follows the ACL of the room's resolved current state, kept on the room row; no ACL lets everyone in", async () => {
    expect(await serverMayAccessRoom(db.prisma, ROOM, "anyone.example")).toBe(true);
    await db.prisma.room.update({ where: { roomId: ROOM }, data: { serverAcl: { allow: ["*"], deny: ["evil.example"] } } });
    expect(await serverMayAccessRoom(db.prisma, ROOM, "evil.example:8448")).toBe(false);
    expect(await serverMayAccessRoom(db.prisma, ROOM, "good.example")).toBe(true);
    // A malformed ACL allows nobody, as an empty allow list does.
    await db.prisma.room.update({ where: { roomId: ROOM }, data: { serverAcl: { allow: "everyone" } } });
    expect(await serverMayAccessRoom(db.prisma, ROOM, "good.example")).toBe(false);
  });
});
