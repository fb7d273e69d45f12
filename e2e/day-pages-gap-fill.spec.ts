import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { type Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// The gap a reader sees, filled by the reader: the archive joins a room on a real Synapse after
// messages were sent, so history before its join is missing; the day page shows "Messages
// missing here", and the button fetches them over federation (/backfill) into their place.

test.describe.configure({ mode: "serial" });

let bed: Testbed;
let archive: RunningArchive;
useTestbed(
  { homeservers: 1, archive: { name: "archive-gap-fill", env: (bed) => ({ DIRECTORY_SERVERS: bed.homeservers[0]!.serverName }) } },
  (ready) => ({ bed, archive } = ready),
);

test("a gap before the archive's join is shown, and Load missing messages fills it in place", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "gapfill", roomVersion: "11", name: "Gap Fill" });
  await alice.sendMessages(roomId, 8, { concurrency: 1, prefix: "before" });

  // No background backfill after the join: the history before it stays a gap for the reader.
  const joined = await archive.admin<{ status: string }>("join", { room: `#gapfill:${hs1.serverName}`, backfill: 0 });
  expect(joined.status).toBe("joined");
  const after = await alice.sendMessages(roomId, 3, { concurrency: 1, prefix: "after" });

  // Live events reach the archive through /send; wait until the last one is stored.
  const stored = async () =>
    (await archive.admin<{ events: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`)).events.map((e) => e.eventId);
  await expect.poll(async () => (await stored()).includes(after.at(-1)!), { timeout: 60_000 }).toBe(true);

  // Federation down on the first view: the day fill cannot reach hs1, and the page still
  // renders (no 500), with the gap where history is missing.
  await hs1.stop();
  const dayUrl = `${archive.url}/r/${encodeURIComponent(`gapfill:${hs1.serverName}`)}`;
  const bodies = () => page.locator("section article p").allTextContents();
  const response = await page.goto(dayUrl);
  expect(response?.status()).toBe(200);
  expect(await bodies()).toEqual(["after 1", "after 2", "after 3"]);
  const gap = page.getByRole("note", { name: "Messages missing here" });
  await expect(gap.first()).toBeVisible();
  const positionsBefore = await page.locator("section article").evaluateAll((els) => els.map((e) => e.id));
  await page.screenshot({ path: testInfo.outputPath("gap-before-fill.png"), fullPage: true });

  await hs1.start();
  await gap.first().getByRole("button", { name: "Load missing messages" }).click();
  await expect(page.locator("section article").filter({ hasText: "before 1" })).toBeVisible({ timeout: 30_000 });
  expect(await bodies()).toEqual([...Array.from({ length: 8 }, (_, i) => `before ${i + 1}`), "after 1", "after 2", "after 3"]);
  // What was on the page keeps its order; the filled messages came in before it.
  const positionsAfter = await page.locator("section article").evaluateAll((els) => els.map((e) => e.id));
  expect(positionsAfter.slice(-positionsBefore.length)).toEqual(positionsBefore);
  await page.screenshot({ path: testInfo.outputPath("gap-after-fill.png"), fullPage: true });
});

// A 4×4 PNG: small enough to be served as is, real enough for the browser to decode.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAEElEQVR4nGP4z8AARwzEcQCukw/x0F8jngAAAABJRU5ErkJggg==", "base64");

test("images in messages come through the archive's media proxy from authenticated federation media", async ({ page, request }, testInfo) => {
  test.setTimeout(120_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const carol = await hs1.registerUser("carol");
  const roomId = await carol.createRoom({ alias: "pictures", roomVersion: "11", name: "Pictures" });
  expect((await archive.admin<{ status: string }>("join", { room: `#pictures:${hs1.serverName}` })).status).toBe("joined");
  const mxc = await carol.uploadMedia(PNG, "image/png", "dot.png");
  const eventId = await carol.sendMessage(roomId, "dot.png", { msgtype: "m.image", url: mxc, info: { mimetype: "image/png", w: 4, h: 4, size: PNG.length } });
  const stored = async () =>
    (await archive.admin<{ events: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`)).events.map((e) => e.eventId);
  await expect.poll(async () => (await stored()).includes(eventId), { timeout: 60_000 }).toBe(true);

  await page.goto(`${archive.url}/r/${encodeURIComponent(`pictures:${hs1.serverName}`)}`);
  const image = page.locator(`[id="${eventId}"] img`);
  await expect(image).toHaveAttribute("alt", "dot.png");
  const src = await image.getAttribute("src");
  expect(src).toBe(`/media/${encodeURIComponent(hs1.serverName)}/${mxc.split("/").at(-1)}`);
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 20_000 }).toBe(4);
  await page.screenshot({ path: testInfo.outputPath("image-message.png") });

  const direct = await request.get(`${archive.url}${src}`);
  expect(direct.status()).toBe(200);
  expect(direct.headers()["content-type"]).toBe("image/png");
  expect(direct.headers()["x-content-type-options"]).toBe("nosniff");
  expect(Buffer.from(await direct.body()).equals(PNG)).toBe(true);
  // Media no archived message names is not proxied.
  const other = await carol.uploadMedia(PNG, "image/png", "unused.png");
  const otherPath = `/media/${encodeURIComponent(hs1.serverName)}/${other.split("/").at(-1)}`;
  expect((await request.get(`${archive.url}${otherPath}`)).status()).toBe(404);
  // A face (decoration) asks for a transparent image instead of the error, kept as long as the 404 would be.
  const blank = await request.get(`${archive.url}${otherPath}?thumbnail=32x32&missing=blank`);
  expect(blank.status()).toBe(200);
  expect(blank.headers()["content-type"]).toBe("image/gif");
  expect(blank.headers()["x-archive-media"]).toBe("blank; M_NOT_FOUND");
  expect(blank.headers()["cache-control"]).toBe("public, max-age=300");
  expect(
    Buffer.from(await blank.body())
      .subarray(0, 6)
      .toString("latin1"),
  ).toBe("GIF89a");
  expect((await request.get(`${archive.url}${otherPath}?missing=other`)).status()).toBe(400);

  // Cached for a bounded time (a purge must take effect), named by the room for a CDN's purge.
  const headers = direct.headers();
  expect(headers["cache-control"]).toBe("public, max-age=3600");
  expect(headers["accept-ranges"]).toBe("bytes");
  expect(headers["surrogate-key"]!.split(" ")).toContain(`room/r/${encodeURIComponent(`pictures:${hs1.serverName}`)}`);
  expect(headers["surrogate-key"]!.split(" ")).toContain(`room/roomid/${encodeURIComponent(roomId.slice(1))}`);
  // Ranges: one range is answered 206 from the cached file; one past the end, 416.
  const part = await request.get(`${archive.url}${src}`, { headers: { range: "bytes=1-3" } });
  expect(part.status()).toBe(206);
  expect(part.headers()["content-range"]).toBe(`bytes 1-3/${PNG.length}`);
  expect(Buffer.from(await part.body()).equals(PNG.subarray(1, 4))).toBe(true);
  const tail = await request.get(`${archive.url}${src}`, { headers: { range: "bytes=-5" } });
  expect(Buffer.from(await tail.body()).equals(PNG.subarray(PNG.length - 5))).toBe(true);
  const beyond = await request.get(`${archive.url}${src}`, { headers: { range: `bytes=${PNG.length}-` } });
  expect(beyond.status()).toBe(416);
  expect(beyond.headers()["content-range"]).toBe(`bytes */${PNG.length}`);
  expect((await request.get(`${archive.url}${src}`, { headers: { "if-none-match": headers.etag! } })).status()).toBe(304);
  const headOnly = await request.head(`${archive.url}${src}`, { headers: { range: "bytes=0-1" } });
  expect(headOnly.status()).toBe(206);
  expect(headOnly.headers()["content-range"]).toBe(`bytes 0-1/${PNG.length}`);
  expect((await headOnly.body()).length).toBe(0);

  // Thumbnails come in a fixed set of sizes: others map onto it, absurd ones are refused.
  for (const size of ["0x10", "99999x1", "12", "4097x4097"]) expect((await request.get(`${archive.url}${src}?thumbnail=${size}`)).status()).toBe(400);
  const cacheDir = (uri: string) =>
    path.join(
      archive.dataDir,
      "media-cache",
      createHash("sha256")
        .update(`${hs1.serverName}/${uri.split("/").at(-1)}`)
        .digest("hex")
        .replace(/^(..)/, "$1/$1"),
    );
  // A file Synapse makes no thumbnail of: every size answers the full file, kept once.
  const notes = Buffer.from("plain text, no thumbnail of it");
  const notesMxc = await carol.uploadMedia(notes, "text/plain", "notes.txt");
  const notesId = await carol.sendMessage(roomId, "notes.txt", { msgtype: "m.file", url: notesMxc, info: { mimetype: "text/plain", size: notes.length } });
  await expect.poll(async () => (await stored()).includes(notesId), { timeout: 60_000 }).toBe(true);
  const notesPath = `/media/${encodeURIComponent(hs1.serverName)}/${notesMxc.split("/").at(-1)}`;
  for (const size of ["20x20", "30x31", "90x90", "300x200", "500x400", "1000x1000"]) {
    const res = await request.get(`${archive.url}${notesPath}?thumbnail=${size}`);
    expect(res.status()).toBe(200);
    expect(Buffer.from(await res.body()).equals(notes)).toBe(true);
  }
  const files = (await readdir(cacheDir(notesMxc))).sort();
  expect(files.filter((f) => f.endsWith(".bin"))).toEqual(["full.bin"]);
  // One marker per size of the set (32, 96, 320x240, 640x480, 800x600), not one per request.
  expect(files.filter((f) => f.startsWith("thumb-"))).toHaveLength(5);

  // The room stops being world-readable: its history is purged, and its media with it, from disk too.
  expect(existsSync(cacheDir(mxc))).toBe(true);
  await carol.sendEvent(roomId, "m.room.history_visibility", { history_visibility: "joined" }, { stateKey: "" });
  await expect.poll(async () => (await request.get(`${archive.url}${src}`)).status(), { timeout: 60_000 }).toBe(404);
  await expect.poll(() => existsSync(cacheDir(mxc)) || existsSync(cacheDir(notesMxc)), { timeout: 10_000 }).toBe(false);
});

test("the first view of a day fills its gaps over federation before rendering, within a few seconds", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const dan = await hs1.registerUser("dan");
  const roomId = await dan.createRoom({ alias: "autofill", roomVersion: "11", name: "Auto Fill" });
  await dan.sendMessages(roomId, 5, { concurrency: 1, prefix: "early" });
  expect((await archive.admin<{ status: string }>("join", { room: `#autofill:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  const later = await dan.sendMessage(roomId, "late");
  const stored = async () =>
    (await archive.admin<{ events: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`)).events.map((e) => e.eventId);
  await expect.poll(async () => (await stored()).includes(later), { timeout: 60_000 }).toBe(true);

  const started = Date.now();
  const response = await page.goto(`${archive.url}/r/${encodeURIComponent(`autofill:${hs1.serverName}`)}`);
  expect(response?.status()).toBe(200);
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(await page.locator("section article p").allTextContents()).toEqual(["early 1", "early 2", "early 3", "early 4", "early 5", "late"]);
  await expect(page.getByRole("note", { name: "Messages missing here" })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("filled-on-first-view.png"), fullPage: true });
});

test("the directory adds world-readable rooms that a directory server publishes, and no others", async ({ page }, testInfo) => {
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const erin = await hs1.registerUser("erin");
  await erin.createRoom({ alias: "showcase", name: "Showcase", topic: "Readable by anyone" });
  await erin.createRoom({ alias: "members", name: "Members Lounge", worldReadable: false });

  await page.goto(`${archive.url}/`);
  const archived = page.getByRole("list", { name: "Archived rooms" });
  await expect(archived.getByRole("link", { name: "Gap Fill" })).toBeVisible();
  const remote = page.getByRole("list", { name: "Public rooms not archived yet" });
  const showcase = remote.getByRole("listitem").filter({ has: page.getByText("Showcase", { exact: true }) });
  await expect(showcase).toContainText("Readable by anyone");
  await expect(showcase.getByRole("link", { name: "open in a Matrix client" })).toHaveAttribute(
    "href",
    `https://matrix.to/#/${encodeURIComponent(`#showcase:${hs1.serverName}`)}`,
  );
  await expect(remote.getByText("Gap Fill")).toHaveCount(0);
  await expect(page.getByText("Members Lounge")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("directory-with-network.png"), fullPage: true });
});
