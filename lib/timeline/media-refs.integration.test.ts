import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { denyEvent } from "@/lib/timeline/deny";
import { insertEvents } from "@/lib/timeline/insert-events";
import { roomsUsingMedia } from "@/lib/timeline/media-refs";
import { purgeRoomTimeline } from "@/lib/timeline/purge";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";
import type { TimelineEventInput } from "@/lib/timeline/types";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

let counter = 0;
async function room(): Promise<string> {
  const roomId = `!media${++counter}:example.org`;
  await createRoom(db.prisma, roomId);
  await db.prisma.room.update({ where: { roomId }, data: { status: "joined", historyVisibility: "world_readable" } });
  return roomId;
}

function withContent(
  roomId: string,
  spec: EventSpec & { stateKey?: string },
  type: string,
  content: unknown,
  extra: Partial<TimelineEventInput> = {},
): TimelineEventInput {
  const e = makeEvent(roomId, { ...spec, id: `${spec.id}${roomId}`, prevs: (spec.prevs ?? []).map((p) => `${p}${roomId}`) });
  return { ...e, type, stateKey: spec.stateKey ?? null, pdu: JSON.stringify({ event_id: e.eventId, type, content }), ...extra };
}

const store = (roomId: string, events: TimelineEventInput[]) => insertEvents(db.prisma, { roomId, arrival: { kind: "live" }, events, redact: testRedact });

async function refs(roomId: string): Promise<string[]> {
  const rows = await db.prisma.mediaRef.findMany({ where: { roomId } });
  return rows.map((r) => `${r.eventId.replace(roomId, "")} ${r.serverName}/${r.mediaId}`).sort();
}

describe("media references", () => {
  it("are written by the write path for the media each shown event names, in the same transaction", async () => {
    const r = await room();
    await store(r, [
      withContent(r, { id: "$img", depth: 1 }, "m.room.message", {
        msgtype: "m.image",
        body: "cat.png",
        url: "mxc://hs.example/cat",
        info: { thumbnail_url: "mxc://hs.example/cat-thumb", mimetype: "image/png" },
      }),
      withContent(r, { id: "$html", prevs: ["$img"], depth: 2 }, "m.room.message", {
        body: "look",
        format: "org.matrix.custom.html",
        formatted_body: '<p>look <img src="mxc://other.example/inline" alt="x"><img src=\'mxc://bad host/x\'></p>',
      }),
      withContent(r, { id: "$edit", prevs: ["$html"], depth: 3 }, "m.room.message", {
        body: "* new",
        "m.new_content": { msgtype: "m.file", body: "new", file: { url: "mxc://hs.example/enc" } },
        "m.relates_to": { rel_type: "m.replace", event_id: `$img${r}` },
      }),
      withContent(r, { id: "$member", prevs: ["$edit"], depth: 4, stateKey: "@a:example.org" }, "m.room.member", {
        membership: "join",
        avatar_url: "mxc://hs.example/face",
      }),
      withContent(r, { id: "$avatar", prevs: ["$member"], depth: 5, stateKey: "" }, "m.room.avatar", { url: "mxc://[::1]:8448/room_avatar" }),
      withContent(r, { id: "$sticker", prevs: ["$avatar"], depth: 6 }, "m.sticker", { body: "s", url: "mxc://hs.example/sticker", info: {} }),
      // Not mxc URIs: a query, a path, no media ID, text that merely mentions one.
      withContent(r, { id: "$junk", prevs: ["$sticker"], depth: 7 }, "m.room.message", {
        body: "see mxc://hs.example/in_text",
        url: "mxc://hs.example/a?b",
        thumbnail_url: "mxc://hs.example/a/b",
        other: ["mxc://hs.example/", "https://hs.example/x"],
      }),
      // Rejected: stored, never shown, names nothing.
      withContent(r, { id: "$rejected", depth: 1 }, "m.room.message", { url: "mxc://hs.example/rejected" }, { rejectedReason: "auth" }),
      // Redacted in the same batch: stored without content.
      withContent(r, { id: "$gone", prevs: ["$junk"], depth: 8 }, "m.room.message", { url: "mxc://hs.example/gone" }),
      { ...makeEvent(r, { id: `$redact${r}`, prevs: [`$gone${r}`], depth: 9, redacts: `$gone${r}` }) },
    ]);
    const expected = [
      "$avatar [::1]:8448/room_avatar",
      "$edit hs.example/enc",
      "$html other.example/inline",
      "$img hs.example/cat",
      "$img hs.example/cat-thumb",
      "$member hs.example/face",
      "$sticker hs.example/sticker",
    ];
    expect(await refs(r)).toEqual(expected);
    expect(await roomsUsingMedia(db.prisma, { serverName: "hs.example", mediaId: "cat" })).toEqual([{ roomId: r, canonicalAlias: null }]);
    expect(await roomsUsingMedia(db.prisma, { serverName: "hs.example", mediaId: "gone" })).toEqual([]);
    expect(await roomsUsingMedia(db.prisma, { serverName: "hs.example", mediaId: "rejected" })).toEqual([]);
    // `_` is no wildcard here (it was one in the LIKE this table replaced).
    expect(await roomsUsingMedia(db.prisma, { serverName: "[::1]:8448", mediaId: "room-avatar" })).toEqual([]);

    // The migration that created the table fills it the same way for events stored before it.
    await db.prisma.mediaRef.deleteMany({ where: { roomId: r } });
    const migration = readFileSync(path.resolve("prisma/migrations/20261203130000_media_refs/migration.sql"), "utf8");
    const fill = migration.slice(migration.indexOf("WITH shown"));
    expect(fill).toMatch(/^WITH shown AS/);
    await db.prisma.$executeRawUnsafe(fill);
    expect(await refs(r)).toEqual(expected);
  });

  it("go when an event is redacted or withheld, and the room stops being servable", async () => {
    const r = await room();
    await store(r, [
      withContent(r, { id: "$a", depth: 1 }, "m.room.message", { msgtype: "m.image", body: "a", url: "mxc://hs.example/a" }),
      withContent(r, { id: "$b", prevs: ["$a"], depth: 2 }, "m.room.message", { msgtype: "m.image", body: "b", url: "mxc://hs.example/b" }),
      withContent(r, { id: "$c", prevs: ["$b"], depth: 3 }, "m.room.message", { msgtype: "m.image", body: "c", url: "mxc://hs.example/c" }),
    ]);
    await store(r, [{ ...makeEvent(r, { id: `$x${r}`, prevs: [`$c${r}`], depth: 4, redacts: `$a${r}` }) }]);
    await denyEvent(db.prisma, { roomId: r, eventId: `$b${r}`, reason: "spam" });
    expect(await refs(r)).toEqual(["$c hs.example/c"]);
    await db.prisma.room.update({ where: { roomId: r }, data: { historyVisibility: "shared" } });
    expect(await roomsUsingMedia(db.prisma, { serverName: "hs.example", mediaId: "c" })).toEqual([]);
  });

  it("tell a purge which media no other room names", async () => {
    const r1 = await room();
    const r2 = await room();
    await store(r1, [
      withContent(r1, { id: "$own", depth: 1 }, "m.room.message", { msgtype: "m.image", body: "o", url: "mxc://hs.example/own" }),
      withContent(r1, { id: "$shared", prevs: ["$own"], depth: 2 }, "m.room.message", { msgtype: "m.image", body: "s", url: "mxc://hs.example/shared" }),
    ]);
    await store(r2, [withContent(r2, { id: "$shared", depth: 1 }, "m.room.message", { msgtype: "m.image", body: "s", url: "mxc://hs.example/shared" })]);
    const purged = await purgeRoomTimeline(db.prisma, r1);
    expect(purged.media).toEqual([{ serverName: "hs.example", mediaId: "own" }]);
    expect(await refs(r1)).toEqual([]);
    expect(await roomsUsingMedia(db.prisma, { serverName: "hs.example", mediaId: "shared" })).toEqual([{ roomId: r2, canonicalAlias: null }]);
  });
});
