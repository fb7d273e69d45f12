import { expect, test, type Page } from "@playwright/test";
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from "../lib/testing/database";
import { denyEvent } from "../lib/timeline/deny";
import { insertEvents } from "../lib/timeline/insert-events";
import { testRedact } from "../lib/timeline/testing/events";
import type { TimelineEventInput } from "../lib/timeline/types";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { ROOT, startArchiveServer, type ArchiveServer } from "../scripts/archive/server";

// Day pages as readers get them: the production server on a real Postgres, with history over
// several past days written through lib/timeline (the federation specs prove how events get
// there). Days are UTC; each page must show exactly its day, in timeline order.

function newestMtime(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the app when its sources are newer than the build (serialised with other builds). */
function buildIfStale(): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const newest = Math.max(...["app", "lib", "components"].map((d) => newestMtime(path.join(ROOT, d))));
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newest) return;
  const next = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
  const result = spawnSync("flock", ["/tmp/matrix-archive-next-build.lock", process.execPath, next, "build"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) throw new Error(`next build failed with status ${result.status}`);
}

let db: TestDatabase;
let archive: ArchiveServer;

const HISTORY = "!history:hs.test";
const HOSTILE = "!hostile:hs.test";
const CLOSED = "!closed:hs.test";
const BUSY = "!busy:hs.test";
const BUSY_COUNT = 400;
const at = (day: string, hhmm: string) => BigInt(Date.parse(`${day}T${hhmm}:00Z`));

interface Spec {
  id: string;
  ts: bigint;
  type?: string;
  stateKey?: string;
  sender?: string;
  content: Record<string, unknown>;
  prevs?: string[];
  redacts?: string;
}

/** A chain of events in one room: each one's prev_event is the one before unless given. */
function chain(roomId: string, specs: Spec[], startDepth = 1): TimelineEventInput[] {
  let prev: string | null = null;
  return specs.map((s, i) => {
    const type = s.type ?? "m.room.message";
    const sender = s.sender ?? "@alice:hs.test";
    const prevEvents: string[] = s.prevs ?? (prev ? [prev] : []);
    prev = s.id;
    return {
      eventId: s.id,
      roomId,
      type,
      stateKey: s.stateKey ?? null,
      sender,
      originServerTs: s.ts,
      depth: BigInt(startDepth + i),
      prevEvents,
      authEvents: [],
      pdu: JSON.stringify({ event_id: s.id, room_id: roomId, type, sender, origin_server_ts: Number(s.ts), content: s.content, ...(s.stateKey !== undefined ? { state_key: s.stateKey } : {}) }),
      redacted: false,
      redacts: s.redacts ?? null,
    };
  });
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: "m.text", body, ...extra });
const member = (id: string, user: string, ts: bigint, displayname: string): Spec => ({ id, ts, type: "m.room.member", stateKey: user, sender: user, content: { membership: "join", displayname } });

const D1 = "2026-11-20";
const D2 = "2026-11-21";
const D4 = "2026-11-23";

async function seed(prisma: TestDatabase["prisma"]) {
  await prisma.room.createMany({
    data: [
      { roomId: HISTORY, roomVersion: "11", name: "History", canonicalAlias: "#history:hs.test", topic: "A room with a past", historyVisibility: "world_readable", worldReadableSince: new Date(`${D1}T09:00:00Z`), worldReadableBy: "@alice:hs.test" },
      { roomId: HOSTILE, roomVersion: "11", name: "Hostile", canonicalAlias: "#hostile:hs.test", historyVisibility: "world_readable" },
      { roomId: CLOSED, roomVersion: "11", name: "Closed Club", canonicalAlias: "#closed:hs.test", historyVisibility: "shared" },
    ],
  });
  const history = chain(HISTORY, [
    { id: "$create-h", ts: at(D1, "09:00"), type: "m.room.create", stateKey: "", content: { room_version: "11" } },
    member("$join-alice", "@alice:hs.test", at(D1, "09:00"), "Alice"),
    { id: "$hv-h", ts: at(D1, "09:00"), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "world_readable" } },
    { id: "$jr-h", ts: at(D1, "09:01"), type: "m.room.join_rules", stateKey: "", content: { join_rule: "public" } },
    { id: "$d1-m1", ts: at(D1, "10:00"), content: text("Day one: first message") },
    member("$join-bob", "@bob:hs.test", at(D1, "10:05"), "Bob"),
    member("$join-carol", "@carol:hs.test", at(D1, "10:06"), "Carol"),
    member("$join-dave", "@dave:hs.test", at(D1, "10:07"), "Dave"),
    { id: "$d1-m2", ts: at(D1, "10:10"), sender: "@bob:hs.test", content: text("Day one: hi Alice", { format: "org.matrix.custom.html", formatted_body: "Day one: hi <b>Alice</b>" }) },
    { id: "$d1-m3", ts: at(D1, "23:59"), content: text("Day one: last message") },
    { id: "$d2-m1", ts: at(D2, "00:00"), content: text("Day two: typo mesage") },
    { id: "$d2-m2", ts: at(D2, "08:30"), sender: "@bob:hs.test", content: { ...text("> <@alice:hs.test> Day one: first message\n\nDay two: replying to day one"), "m.relates_to": { "m.in_reply_to": { event_id: "$d1-m1" } } } },
    { id: "$d2-edit", ts: at(D2, "08:31"), content: { ...text("* Day two: fixed message"), "m.new_content": text("Day two: fixed message"), "m.relates_to": { rel_type: "m.replace", event_id: "$d2-m1" } } },
    { id: "$d2-react1", ts: at(D2, "08:32"), sender: "@carol:hs.test", type: "m.reaction", content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$d2-m2", key: "👍" } } },
    { id: "$d2-react2", ts: at(D2, "08:33"), sender: "@dave:hs.test", type: "m.reaction", content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$d2-m2", key: "👍" } } },
    { id: "$d2-m3", ts: at(D2, "09:00"), sender: "@bob:hs.test", content: text("Day two: something regrettable") },
    { id: "$d2-redact", ts: at(D2, "09:01"), sender: "@bob:hs.test", type: "m.room.redaction", content: { redacts: "$d2-m3" }, redacts: "$d2-m3" },
    { id: "$d2-forged", ts: at(D2, "12:00"), sender: "@mallory:hs.test", content: text("Day two: forged words") },
    { id: "$d2-m4", ts: at(D2, "18:00"), sender: "@carol:hs.test", content: text("Day two: evening") },
  ]);
  await insertEvents(prisma, { roomId: HISTORY, arrival: { kind: "live" }, events: history, redact: testRedact });
  await denyEvent(prisma, { roomId: HISTORY, eventId: "$d2-forged", reason: "signature check failed" });
  // Day four arrives without what came before it: the archive records a gap before it.
  const later = chain(HISTORY, [
    { id: "$d4-m1", ts: at(D4, "12:00"), prevs: ["$never-seen"], content: text("Day four: after the silence") },
    { id: "$d4-m2", ts: at(D4, "12:05"), sender: "@bob:hs.test", content: text("Day four: indeed") },
  ], 40);
  await insertEvents(prisma, { roomId: HISTORY, arrival: { kind: "live" }, events: later, redact: testRedact });

  const hostileBodies = [
    '<script>window.__pwned = "script"; alert("script")</script>script tag',
    '<img src="x" onerror="window.__pwned = \'onerror\'; alert(1)">image with onerror',
    '<a href="javascript:window.__pwned = \'link\'; alert(1)" id="js-link">javascript link</a>',
    '<svg onload="window.__pwned = \'svg\'; alert(1)"><script>alert(2)</script></svg>svg payload',
    '<div onmouseover="window.__pwned = \'hover\'" id="hover-me">hover payload</div>',
    '<iframe src="javascript:alert(1)"></iframe><style>body{display:none}</style>iframe and style',
    '<a href="https://example.org/" onclick="window.__pwned = \'click\'">safe link</a>',
  ];
  await insertEvents(prisma, {
    roomId: HOSTILE,
    arrival: { kind: "live" },
    events: chain(HOSTILE, hostileBodies.map((html, i) => ({ id: `$hostile-${i}`, ts: at(D1, `12:0${i}`), sender: "@mallory:hs.test", content: text(`payload ${i}`, { format: "org.matrix.custom.html", formatted_body: html }) }))),
    redact: testRedact,
  });
  await prisma.room.create({ data: { roomId: BUSY, roomVersion: "11", name: "Busy", canonicalAlias: "#busy:hs.test", historyVisibility: "world_readable" } });
  const busy = Array.from({ length: BUSY_COUNT }, (_, i) => ({
    id: `$busy-${String(i + 1).padStart(3, "0")}`,
    ts: at("2026-11-25", "00:00") + BigInt(i * 3 * 60_000),
    content: text(`busy ${i + 1}`),
  }));
  await insertEvents(prisma, { roomId: BUSY, arrival: { kind: "live" }, events: chain(BUSY, busy), redact: testRedact });
  await insertEvents(prisma, { roomId: CLOSED, arrival: { kind: "live" }, events: chain(CLOSED, [{ id: "$closed-m1", ts: at(D1, "10:00"), content: text("members only") }]), redact: testRedact });
}

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(600_000);
  buildIfStale();
  db = await createTestDatabase("postgres");
  await seed(db.prisma);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${(await db.prisma.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`)[0]!.name}`;
  archive = await startArchiveServer({ env: { DATABASE_URL: url.toString(), LOG_LEVEL: "warn", ARCHIVE_BASE_URL: "https://archive.test" }, logFile: testInfo.outputPath("archive.log") });
});

test.afterAll(async () => {
  await archive?.stop();
  await db?.close();
});

const messageIds = (page: Page) => page.locator("section article").evaluateAll((els) => els.map((e) => e.id));

test("each day page shows exactly that day's messages in timeline order, and day navigation works", async ({ page }, testInfo) => {
  const res = await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`);
  expect(res?.status()).toBe(200);
  await expect(page).toHaveTitle(/History · 2026-11-20/);
  expect(await messageIds(page)).toEqual(["$d1-m1", "$d1-m2", "$d1-m3"]);
  await expect(page.getByText("Bob, Carol and Dave joined")).toBeVisible();
  await expect(page.locator('[id="$d1-m2"]')).toContainText("Day one: hi Alice");
  await expect(page.locator('[id="$d1-m2"] b')).toHaveText("Alice");
  await expect(page.getByRole("complementary", { name: "Why this room is public" })).toContainText("set by @alice:hs.test on 2026-11-20");
  await expect(page.locator('link[rel="canonical"]')).toHaveAttribute("href", "https://archive.test/r/history%3Ahs.test/date/2026/11/20");
  const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? "{}") as { "@type": string; comment: unknown[] };
  expect(jsonLd["@type"]).toBe("DiscussionForumPosting");
  expect(jsonLd.comment).toHaveLength(3);
  await page.screenshot({ path: testInfo.outputPath("day-1.png"), fullPage: true });

  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "Next day →" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/21$/);
  expect(await messageIds(page)).toEqual(["$d2-m1", "$d2-m2", "$d2-m3", "$d2-forged", "$d2-m4"]);
  await expect(page.locator('[id="$d2-forged"]')).toContainText("Withheld by the archive: signature check failed");
  await expect(page.getByText("forged words")).toHaveCount(0);
  // The denial recorded after day two does not hide that history is missing after it.
  await expect(page.locator("section > ol > li").last().getByRole("note", { name: "Messages missing here" })).toBeVisible();
  const edited = page.locator('[id="$d2-m1"]');
  await expect(edited).toContainText("Day two: fixed message");
  await expect(edited).toContainText("(edited)");
  const reply = page.locator('[id="$d2-m2"]');
  await expect(reply.locator("blockquote")).toContainText("Day one: first message");
  await expect(reply.locator("blockquote a")).toHaveAttribute("href", "/r/history%3Ahs.test/event/%24d1-m1");
  await expect(reply).toContainText("Day two: replying to day one");
  await expect(reply).not.toContainText("> <@alice");
  await expect(reply.getByRole("list", { name: "Reactions" })).toContainText("👍 2");
  await expect(page.locator('[id="$d2-m3"]')).toContainText("Message deleted");
  await expect(page.getByText("something regrettable")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("day-2.png"), fullPage: true });

  // Day three holds nothing, and the archive knows history is missing around it.
  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "Next day →" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/22$/);
  expect(await messageIds(page)).toEqual([]);
  await expect(page.getByRole("note", { name: "Messages missing here" })).toBeVisible();
  await expect(page.locator('meta[name="robots"]')).toHaveAttribute("content", /noindex/);

  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "Next day →" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/23$/);
  expect(await messageIds(page)).toEqual(["$d4-m1", "$d4-m2"]);
  const firstItem = page.locator("section > ol > li").first();
  await expect(firstItem.getByRole("note", { name: "Messages missing here" })).toBeVisible();
  await expect(firstItem.getByRole("button", { name: "Load missing messages" })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("day-4-with-gap.png"), fullPage: true });

  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "⇤ Previous activity" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/21$/);
  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "← Previous day" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/20$/);
  expect(await messageIds(page)).toEqual(["$d1-m1", "$d1-m2", "$d1-m3"]);

  // The date picker, then the room's landing on its latest day with messages.
  await page.getByLabel("Go to date").first().fill("2026-11-21");
  await page.getByRole("button", { name: "Go" }).first().click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/21$/);
  await page.goto(`${archive.url}/r/history%3Ahs.test`);
  await expect(page).toHaveURL(/\/r\/history%3Ahs\.test\/date\/2026\/11\/23$/);
});

test("a permalink answers 301 and lands on the message, highlighted, with JavaScript off", async ({ browser, request }, testInfo) => {
  const permalink = `${archive.url}/r/history%3Ahs.test/event/%24d2-m2`;
  const direct = await request.get(permalink, { maxRedirects: 0 });
  expect(direct.status()).toBe(301);
  expect(direct.headers().location).toBe("/r/history%3Ahs.test/date/2026/11/21#$d2-m2");

  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(permalink);
  await expect(page).toHaveURL(/\/r\/history%3Ahs\.test\/date\/2026\/11\/21#\$d2-m2$/);
  const target = page.locator(":target");
  await expect(target).toHaveAttribute("id", "$d2-m2");
  const background = await target.evaluate((el) => getComputedStyle(el).backgroundColor);
  const plain = await page.locator('[id="$d2-m1"]').evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(background).not.toBe(plain);
  await expect(target).toBeInViewport();
  await page.screenshot({ path: testInfo.outputPath("permalink-no-js.png") });
  // The same for the date picker: a plain form that works without JavaScript.
  await page.getByLabel("Go to date").first().fill("2026-11-20");
  await page.getByRole("button", { name: "Go" }).first().click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/20$/);
  await context.close();
});

test("hostile formatted bodies render inert: no dialog, no script runs", async ({ page }, testInfo) => {
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  const res = await page.goto(`${archive.url}/r/hostile%3Ahs.test/date/2026/11/20`);
  expect(res?.status()).toBe(200);
  await expect(page.locator("section article")).toHaveCount(7);
  const messages = page.locator("section");
  await expect(messages.locator("script, svg, iframe, style, [onerror], [onclick], [onmouseover], [onload]")).toHaveCount(0);
  await expect(messages.locator('a[href^="javascript"]')).toHaveCount(0);
  await expect(messages.getByText("javascript link")).toBeVisible();
  await messages.getByText("javascript link").click();
  await messages.getByText("hover payload").hover();
  await expect(messages.getByRole("link", { name: "safe link" })).toHaveAttribute("rel", "noopener nofollow ugc");
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(await page.evaluate(() => Reflect.get(window, "__pwned"))).toBeUndefined();
  await page.screenshot({ path: testInfo.outputPath("hostile.png"), fullPage: true });
});

test("the directory lists the world-readable rooms, and rooms that are not are not served", async ({ page, request }, testInfo) => {
  await page.goto(`${archive.url}/`);
  const rooms = page.getByRole("list", { name: "Archived rooms" });
  await expect(rooms.getByRole("link", { name: "History" })).toBeVisible();
  await expect(rooms.getByRole("link", { name: "Hostile" })).toBeVisible();
  await expect(page.getByText("Closed Club")).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath("directory.png"), fullPage: true });
  await page.getByRole("searchbox", { name: "Search rooms" }).fill("past");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\?q=past$/);
  await expect(rooms.getByRole("link")).toHaveText(["History"]);

  expect((await request.get(`${archive.url}/r/closed%3Ahs.test/date/2026/11/20`)).status()).toBe(404);
  expect((await request.get(`${archive.url}/r/closed%3Ahs.test/event/%24closed-m1`, { maxRedirects: 0 })).status()).toBe(403);
  expect((await request.get(`${archive.url}/r/nowhere%3Ahs.test/date/2026/11/20`)).status()).toBe(404);
  expect((await request.get(`${archive.url}/r/history%3Ahs.test/date/2026/02/30`)).status()).toBe(404);
  expect((await request.get(`${archive.url}/r/history%3Ahs.test/date/2099/01/01`)).status()).toBe(404);
  expect((await request.get(`${archive.url}/r/history%3Ahs.test/event/%24nope`, { maxRedirects: 0 })).status()).toBe(404);
  expect((await request.get(`${archive.url}/roomid/history%3Ahs.test/date/2026/11/20`)).status()).toBe(200);
});

test("robots.txt and sitemaps name the indexable rooms' day pages only", async ({ request }) => {
  const robots = await (await request.get(`${archive.url}/robots.txt`)).text();
  expect(robots).toContain("Sitemap: https://archive.test/sitemap.xml");
  const index = await request.get(`${archive.url}/sitemap.xml`);
  expect(index.headers()["content-type"]).toContain("application/xml");
  const indexXml = await index.text();
  expect(indexXml).toContain("<loc>https://archive.test/sitemap-room/history%3Ahs.test.xml</loc>");
  expect(indexXml).not.toContain("closed");
  const roomXml = await (await request.get(`${archive.url}/sitemap-room/history%3Ahs.test.xml`)).text();
  const locs = [...roomXml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
  expect(locs).toEqual(["2026/11/20", "2026/11/21", "2026/11/23"].map((d) => `https://archive.test/r/history%3Ahs.test/date/${d}`));
  expect((await request.get(`${archive.url}/sitemap-room/closed%3Ahs.test.xml`)).status()).toBe(404);
});

test("each room has an Atom feed of its latest messages, with edits applied and deletions left out", async ({ request }) => {
  const res = await request.get(`${archive.url}/r/history%3Ahs.test/feed.xml`);
  expect(res.headers()["content-type"]).toContain("application/atom+xml");
  const xml = await res.text();
  const titles = [...xml.matchAll(/<entry>.*?<title>([^<]*)<\/title>/g)].map((m) => m[1]);
  expect(titles.slice(0, 4)).toEqual(["Day four: indeed", "Day four: after the silence", "Day two: evening", "Day two: replying to day one"]);
  expect(titles).toContain("Day two: fixed message");
  expect(xml).not.toContain("regrettable");
  expect(xml).toContain('<link href="https://archive.test/r/history%3Ahs.test/event/%24d4-m2"/>');
  expect((await request.get(`${archive.url}/r/closed%3Ahs.test/feed.xml`)).status()).toBe(404);
});

test("day pages fit a phone screen and follow the dark colour scheme", async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/21`);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const channels = background.match(/[\d.]+/g)?.map(Number) ?? [];
  // oklch(L …) or rgb(r, g, b): either way the first channel is dark.
  expect(channels[0]).toBeLessThan(background.startsWith("oklch") ? 0.3 : 60);
  await expect(page.getByRole("banner")).toBeVisible();
  await expect(page.getByRole("main")).toBeVisible();
  await expect(page.getByRole("contentinfo")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("day-2-phone-dark.png"), fullPage: true });
});

test("a busy day is split into pages with stable cursors and a time form, and permalinks find the right page", async ({ page, request }) => {
  const seen: string[] = [];
  await page.goto(`${archive.url}/r/busy%3Ahs.test/date/2026/11/25`);
  for (let guard = 0; guard < 10; guard++) {
    seen.push(...(await messageIds(page)));
    const later = page.getByRole("link", { name: "Later messages of this day" });
    if ((await later.count()) === 0) break;
    const last = seen.at(-1) ?? "";
    await later.click();
    await expect(page).toHaveURL(new RegExp(`\\?after=${encodeURIComponent(last)}$`));
    await expect(page.locator('meta[name="robots"]')).toHaveAttribute("content", /noindex/);
  }
  expect(seen).toEqual(Array.from({ length: BUSY_COUNT }, (_, i) => `$busy-${String(i + 1).padStart(3, "0")}`));
  // Going back from the last page gives the page before it again.
  await page.getByRole("link", { name: "Earlier messages of this day" }).click();
  await expect(page).toHaveURL(/\?before=%24busy-301$/);
  await expect(page.locator("section article").last()).toHaveId("$busy-300");
  expect(await messageIds(page)).toHaveLength(150);

  // Message 301 was sent at 15:00 UTC: its permalink names the 15:00 page, which starts with it.
  const permalink = await request.get(`${archive.url}/r/busy%3Ahs.test/event/%24busy-301`, { maxRedirects: 0 });
  expect(permalink.headers().location).toBe("/r/busy%3Ahs.test/date/2026/11/25T15:00#$busy-301");
  await page.goto(`${archive.url}${permalink.headers().location}`);
  expect((await messageIds(page))[0]).toBe("$busy-301");
  await expect(page.locator(":target")).toHaveAttribute("id", "$busy-301");
  await expect(page).toHaveTitle(/Busy · 2026-11-25 from 15:00 UTC/);
  // The time selector lists the hours with messages (400 messages 3 minutes apart: 00–19).
  const times = page.getByRole("navigation", { name: "Days", exact: true }).getByRole("list", { name: "Times of this day" });
  await expect(times.getByRole("link")).toHaveCount(20);
  await times.getByRole("link", { name: "07:00" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/25T07:00$/);
  expect((await messageIds(page))[0]).toBe("$busy-141");
});
