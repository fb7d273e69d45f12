import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDayParams } from "@/lib/archive/day-range";
import { dayPageTags } from "@/lib/archive/day-cache";
import { getDayPage } from "@/lib/archive/get-day-page";
import { roomUpgrades } from "@/lib/archive/room-upgrades";
import { chain } from "@/lib/archive/testing/day-pages-seed";
import { upgradeToFollow } from "@/lib/federation/follow-upgrade";
import { roomTag } from "@/lib/page-cache/tags";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";

// A room upgrade as the archive holds it: the old room's tombstone names its successor, the
// successor's create event names the old room. Links go to the archive when it serves the other
// room, else to matrix.to; the page declares the other room's tag; the join of the successor is
// queued only when nothing keeps it out.

let db: TestDatabase;
const OLD = "!old:hs.test";
const NEW = "!new:hs.test";
const NOW = Date.parse("2026-11-29T12:00:00Z");
const ts = (iso: string) => BigInt(Date.parse(iso));

async function room(roomId: string, alias: string | null, events: Parameters<typeof chain>[1]) {
  await db.prisma.room.create({
    data: { roomId, roomVersion: "11", name: roomId === OLD ? "Old" : "New", canonicalAlias: alias, historyVisibility: "world_readable" },
  });
  await insertEvents(db.prisma, { roomId, arrival: { kind: "live" }, events: chain(roomId, events), redact: testRedact });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await room(OLD, null, [
    { id: "$old-create", ts: ts("2026-11-20T09:00:00Z"), type: "m.room.create", stateKey: "", content: { room_version: "11" } },
    { id: "$old-m1", ts: ts("2026-11-20T10:00:00Z"), content: { msgtype: "m.text", body: "before the upgrade" } },
    { id: "$old-m2", ts: ts("2026-11-21T09:00:00Z"), content: { msgtype: "m.text", body: "upgrading now" } },
    {
      id: "$old-tomb",
      ts: ts("2026-11-21T10:00:00Z"),
      sender: "@alice:hs.test",
      type: "m.room.tombstone",
      stateKey: "",
      content: { body: "This room has been replaced", replacement_room: NEW },
    },
  ]);
});

afterAll(async () => {
  await db?.close();
});

describe("room upgrades", () => {
  it("links a successor the archive does not hold to matrix.to, and queues its join", async () => {
    const view = await roomUpgrades(db.prisma, OLD);
    expect(view.tombstoneId).toBe("$old-tomb");
    expect(view.successor).toEqual({ roomId: NEW, label: NEW, href: `https://matrix.to/#/${encodeURIComponent(NEW)}`, archived: false });
    expect(view.predecessor).toBeNull();
    expect(await upgradeToFollow(db.prisma, OLD, ["$old-tomb"])).toEqual({ room: NEW, via: ["hs.test"] });
    // A batch without the tombstone follows nothing.
    expect(await upgradeToFollow(db.prisma, OLD, ["$old-m1"])).toBeNull();
  });

  it("links the archived successor and back, and each page declares the other room's tag", async () => {
    await room(NEW, "#room:hs.test", [
      {
        id: "$new-create",
        ts: ts("2026-11-21T10:00:01Z"),
        type: "m.room.create",
        stateKey: "",
        content: { room_version: "11", predecessor: { room_id: OLD, event_id: "$old-tomb" } },
      },
      { id: "$new-m1", ts: ts("2026-11-21T10:05:00Z"), content: { msgtype: "m.text", body: "after the upgrade" } },
    ]);
    const onward = await getDayPage(
      db.prisma,
      { kind: "id", roomId: OLD },
      parseDayParams({ yyyy: "2026", mm: "11", dd: "21" })!,
      { after: null, before: null },
      { now: NOW },
    );
    if (onward.status !== "ok") throw new Error(onward.status);
    expect(onward.page.upgrades.successor).toEqual({ roomId: NEW, label: "New", href: "/r/room%3Ahs.test/first", archived: true });
    // Past the last day with messages the navigation leads on to the successor (not before).
    expect(onward.page.nav.continuedIn).toEqual({ label: "New", href: "/r/room%3Ahs.test/first" });
    expect(dayPageTags(onward.page)).toContain(roomTag(NEW));
    const earlier = await getDayPage(
      db.prisma,
      { kind: "id", roomId: OLD },
      parseDayParams({ yyyy: "2026", mm: "11", dd: "20" })!,
      { after: null, before: null },
      { now: NOW },
    );
    if (earlier.status !== "ok") throw new Error(earlier.status);
    expect(earlier.page.nav.continuedIn).toBeNull();

    const back = await getDayPage(
      db.prisma,
      { kind: "alias", alias: "#room:hs.test" },
      parseDayParams({ yyyy: "2026", mm: "11", dd: "21" })!,
      { after: null, before: null },
      { now: NOW },
    );
    if (back.status !== "ok") throw new Error(back.status);
    expect(back.page.upgrades).toMatchObject({
      createId: "$new-create",
      predecessor: { roomId: OLD, label: "Old", href: "/roomid/old%3Ahs.test", archived: true },
    });
    expect(dayPageTags(back.page)).toContain(roomTag(OLD));
    // Joined already: nothing to follow.
    expect(await upgradeToFollow(db.prisma, OLD, ["$old-tomb"])).toBeNull();
  });

  it("does not follow an upgrade to a room that is kept out", async () => {
    await db.prisma.room.update({ where: { roomId: NEW }, data: { status: "left", stayOutReason: "opted out: kicked" } });
    expect(await upgradeToFollow(db.prisma, OLD, ["$old-tomb"])).toBeNull();
    await db.prisma.room.update({ where: { roomId: NEW }, data: { status: "left", stayOutReason: null } });
    expect(await upgradeToFollow(db.prisma, OLD, ["$old-tomb"])).toEqual({ room: NEW, via: ["hs.test"] });
  });
});
