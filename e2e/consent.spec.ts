import { expect, test } from "@playwright/test";
import { dayPagePath, roomBasePath } from "../lib/archive/room-paths";
import type { RoomReport } from "../scripts/archive/admin";
import { type Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// Consent (docs/consent.md): the archive holds a world_readable room on hs1;
// when the room's admin makes its history `shared`, the archive deletes what it holds, keeps
// only a row saying when and why, leaves the room over federation, and its pages stop being
// served and are listed nowhere.

test.describe.configure({ mode: "serial" });

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 1, archive: { name: "archive-consent" } }, (ready) => ({ bed, archive } = ready));

/** The operator report's room row carries the purge columns too (the report returns the whole row). */
type ConsentReport = Omit<RoomReport, "room"> & {
  room: (NonNullable<RoomReport["room"]> & { status: string; purgedAt: string | null; purgeReason: string | null }) | null;
};

test("a room that stops being world_readable is purged, left, and no longer served", async ({ request }) => {
  test.setTimeout(240_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const alias = `#consent:${hs1.serverName}`;
  const roomId = await alice.createRoom({ alias: "consent", roomVersion: "11", name: "Consent" });
  const joined = await archive.admin<{ status: string }>("join", { room: alias });
  expect(joined.status).toBe("joined");
  const archiveUser = `@archive:${archive.serverName}`;
  await alice.waitForJoined(roomId, archiveUser);

  const sent = await alice.sendMessages(roomId, ["said in public 1", "said in public 2", "said in public 3"], { concurrency: 1 });
  const report = () => archive.admin<ConsentReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  await expect
    .poll(async () => (await report()).events.filter((e) => sent.includes(e.eventId)).length, { timeout: 30_000, intervals: [250] })
    .toBe(sent.length);

  // Served while world_readable: the day page of today (UTC), the room landing, its feed.
  const base = roomBasePath({ roomId, canonicalAlias: alias });
  const dayUrl = `${archive.url}${dayPagePath(base, new Date().toISOString().slice(0, 10))}`;
  const before = await request.get(dayUrl);
  expect(before.status()).toBe(200);
  expect(await before.text()).toContain("said in public 2");
  expect((await request.get(`${archive.url}${base}/feed.xml`)).status()).toBe(200);

  const changedAt = Date.now();
  const change = await alice.sendEvent(roomId, "m.room.history_visibility", { history_visibility: "shared" }, { stateKey: "" });

  // The archive's store: nothing of the room left, the row says when and why.
  await expect.poll(async () => (await report()).room?.status, { timeout: 30_000, intervals: [250] }).toBe("purged");
  const purged = await report();
  expect(purged.events).toEqual([]);
  expect(purged.timeline).toEqual([]);
  expect(purged.room?.historyVisibility).toBe("shared");
  expect(purged.room?.purgeReason).toContain("history_visibility became shared");
  expect(purged.room?.purgeReason).toContain(change);
  expect(purged.room?.purgeReason).toContain(alice.userId);
  expect(Date.parse(purged.room?.purgedAt ?? "")).toBeGreaterThanOrEqual(changedAt - 5_000);

  // hs1 records the archive's membership as leave: it left over federation.
  await expect
    .poll(
      async () =>
        (
          await alice.request<{ membership?: string }>(
            "GET",
            `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(archiveUser)}`,
          )
        ).membership,
      { timeout: 60_000, intervals: [500] },
    )
    .toBe("leave");

  // No longer served: the day page, the landing, the permalink, the feed.
  const after = await request.get(dayUrl);
  expect([403, 404]).toContain(after.status());
  expect(await after.text()).not.toContain("said in public");
  expect([403, 404]).toContain((await request.get(`${archive.url}${base}`, { maxRedirects: 0 })).status());
  expect([403, 404]).toContain((await request.get(`${archive.url}${base}/event/${encodeURIComponent(sent[1]!)}`, { maxRedirects: 0 })).status());
  expect((await request.get(`${archive.url}${base}/feed.xml`)).status()).toBe(404);

  // Listed nowhere: not in the directory, not in the sitemaps.
  const home = await request.get(`${archive.url}/`);
  expect(home.status()).toBe(200);
  const homeHtml = await home.text();
  expect(homeHtml).not.toContain(roomId);
  expect(homeHtml).not.toContain(alias);
  expect(homeHtml).not.toContain(encodeURIComponent(alias.slice(1)));
  const sitemap = await request.get(`${archive.url}/sitemap.xml`);
  expect(await sitemap.text()).not.toContain(encodeURIComponent(roomId.slice(1)));
  expect((await request.get(`${archive.url}/sitemap-room/${encodeURIComponent(roomId.slice(1))}.xml`)).status()).toBe(404);

  // Later messages are not stored: the archive is out of the room.
  const later = await alice.sendMessage(roomId, "said after the change");
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const final = await report();
  expect(final.events.some((e) => e.eventId === later)).toBe(false);
  expect(final.events).toEqual([]);
});
