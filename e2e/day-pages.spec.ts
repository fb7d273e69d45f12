import { expect, test, type Page } from "@playwright/test";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";
import { BUSY_COUNT, chain, seedDayPageRooms } from "../lib/archive/testing/day-pages-seed";
import { insertEvents } from "../lib/timeline/insert-events";
import { testRedact } from "../lib/timeline/testing/events";
import { startArchiveServer, type ArchiveServer } from "../scripts/archive/server";

// Day pages as readers get them: the production server on a real Postgres, with history over
// several past days written through lib/timeline (the federation specs prove how events get
// there). Days are UTC; each page must show exactly its day, in timeline order.

let db: PostgresTestDatabase;
let archive: ArchiveServer;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(600_000);
  db = await createTestDatabase("postgres");
  await seedDayPageRooms(db.prisma);
  archive = await startArchiveServer({
    env: { DATABASE_URL: db.url, LOG_LEVEL: "warn", ARCHIVE_BASE_URL: "https://archive.test" },
    logFile: testInfo.outputPath("archive.log"),
  });
});

test.afterAll(async () => {
  await archive?.stop();
  await db?.close();
});

const messageIds = (page: Page) => page.locator("section article").evaluateAll((els) => els.map((e) => e.id));

test("each day page shows exactly that day's messages in timeline order, and day navigation works", async ({ page }, testInfo) => {
  const res = await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`);
  expect(res?.status()).toBe(200);
  // A past day may be kept by shared caches (proxy.ts).
  expect(res?.headers()["cache-control"]).toContain("s-maxage=3600");
  await expect(page).toHaveTitle(/History · 2026-11-20/);
  expect(await messageIds(page)).toEqual(["$d1-m1", "$d1-m2", "$d1-m3"]);
  await expect(page.getByText("Bob, Carol and Dave joined")).toBeVisible();
  await expect(page.locator('[id="$d1-m2"]')).toContainText("Day one: hi Alice");
  await expect(page.locator('[id="$d1-m2"] .fmt b')).toHaveText("Alice");
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
  await expect(page.locator("section > *").last()).toHaveAccessibleName("Messages missing here");
  const edited = page.locator('[id="$d2-m1"]');
  await expect(edited).toContainText("Day two: fixed message");
  await expect(edited).toContainText("(edited)");
  const reply = page.locator('[id="$d2-m2"]');
  await expect(reply.locator("blockquote")).toContainText("Day one: first message");
  await expect(reply.locator("blockquote a")).toHaveAttribute("href", "/r/history%3Ahs.test/date/2026/11/20#$d1-m1");
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
  const firstItem = page.locator("section > *").first();
  await expect(firstItem).toHaveAccessibleName("Messages missing here");
  await expect(firstItem.getByRole("button", { name: "Load missing messages" })).toBeVisible();
  await expect(firstItem).toContainText("Missing: messages after 2026-11-21 18:00 UTC and before 2026-11-23 12:00 UTC.");
  await page.screenshot({ path: testInfo.outputPath("day-4-with-gap.png"), fullPage: true });

  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "⇤ Previous activity" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/21$/);
  await page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: "← Previous day" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/20$/);
  expect(await messageIds(page)).toEqual(["$d1-m1", "$d1-m2", "$d1-m3"]);

  // The month calendar links the days with messages (and works without JS).
  await page.getByText("Calendar of November 2026").click();
  const calendar = page.getByRole("table", { name: "Days of November 2026 with messages (UTC)" });
  await expect(calendar.getByRole("link")).toHaveText(["20", "21", "23"]);
  await calendar.getByRole("link", { name: "23" }).click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/23$/);
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`);

  // The date picker, then the room's landing on its latest day with messages.
  await page.getByLabel("Go to date").first().fill("2026-11-21");
  await page.getByRole("button", { name: "Go" }).first().click();
  await expect(page).toHaveURL(/\/date\/2026\/11\/21$/);
  await expect(page.locator('[id="$d2-m2"]')).toBeVisible();
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
  await expect(page.locator("section article")).toHaveCount(8);
  // Plain text is text: its URLs become links, its markup stays visible characters.
  const plain = page.locator('[id="$hostile-plain"]');
  await expect(plain.getByRole("link", { name: "https://example.org/docs" })).toHaveAttribute("href", "https://example.org/docs");
  await expect(plain).toContainText("javascript:alert(1) <script>alert(1)</script>");
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
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\?q=past$/);
  await expect(rooms.getByRole("link")).toHaveText(["History"]);

  expect((await request.get(`${archive.url}/r/closed%3Ahs.test/date/2026/11/20`)).status()).toBe(403);
  expect((await request.get(`${archive.url}/r/closed%3Ahs.test`, { maxRedirects: 0 })).status()).toBe(403);
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
  expect(xml).toContain(
    '<id>https://archive.test/r/history%3Ahs.test/event/%24d4-m2</id><link href="https://archive.test/r/history%3Ahs.test/date/2026/11/23#$d4-m2"/>',
  );
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

// Defects of a reader's and a crawler's pass (issue 16).

test("a link-following crawl stays within the room's history: no day before its creation or after today is linked", async ({ request }) => {
  const today = new Date().toISOString().slice(0, 10);
  const seen = new Set<string>();
  const queue = [`/r/history%3Ahs.test/date/2026/11/20`];
  const statuses: Record<string, number> = {};
  while (queue.length > 0 && seen.size < 200) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const res = await request.get(`${archive.url}${path}`, { maxRedirects: 0 });
    statuses[path] = res.status();
    if (res.status() !== 200) continue;
    const html = await res.text();
    for (const m of html.matchAll(/href="(\/r\/history%3Ahs\.test\/date\/\d{4}\/\d{2}\/\d{2})"/g)) if (!seen.has(m[1]!)) queue.push(m[1]!);
  }
  const days = [...seen].map((p) => p.slice(-10).replaceAll("/", "-")).sort();
  expect(days[0]).toBe("2026-11-20");
  expect(days.at(-1)! <= today).toBe(true);
  const span = (Date.parse(today) - Date.parse("2026-11-20")) / 86_400_000 + 1;
  expect(seen.size).toBeLessThanOrEqual(span);
  expect(Object.entries(statuses).filter(([, s]) => s !== 200)).toEqual([]);

  // Days before the room's first event answer 404 (linking the room's first day), and nothing links them.
  for (const before of ["2026/11/19", "2026/10/01", "1970/01/01"]) {
    const res = await request.get(`${archive.url}/r/history%3Ahs.test/date/${before}`, { maxRedirects: 0 });
    expect(res.status(), before).toBe(404);
  }
  const firstDay = await request.get(`${archive.url}/r/history%3Ahs.test/first`, { maxRedirects: 0 });
  expect(firstDay.status()).toBe(307);
  expect(firstDay.headers().location).toBe("/r/history%3Ahs.test/date/2026/11/20");
  const first = await (await request.get(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`)).text();
  expect(first).not.toMatch(/href="[^"]*\/date\/2026\/11\/19"/);
  expect(first).not.toContain('aria-label="Previous month"');
  expect(first).not.toContain("First day");
  // Later days link the first day.
  const later = await (await request.get(`${archive.url}/r/history%3Ahs.test/date/2026/11/23`)).text();
  expect(later).toContain('href="/r/history%3Ahs.test/date/2026/11/20">« First day</a>');
});

test("404 pages say so without JavaScript, name the room's latest and first day, and are not kept by shared caches", async ({ browser, page, request }) => {
  // The head says what the page is, also without JavaScript.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const noJs = await context.newPage();
  const future = await noJs.goto(`${archive.url}/r/history%3Ahs.test/date/2099/01/01`);
  expect(future?.status()).toBe(404);
  expect(future?.headers()["cache-control"]).toBe("public, max-age=0, must-revalidate");
  await expect(noJs).toHaveTitle(/^Not in the archive/);
  await expect(noJs.locator('meta[name="robots"][content="noindex, nofollow"]')).toHaveCount(1);
  await context.close();

  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2099/01/01`);
  await expect(page.getByText("If the archive holds #history:hs.test")).toBeVisible();
  await expect(page.getByRole("link", { name: "its first day" })).toHaveAttribute("href", "/r/history%3Ahs.test/first");
  const latest = page.getByRole("link", { name: "its latest day" });
  await expect(latest).toHaveAttribute("href", "/r/history%3Ahs.test");
  await latest.click();
  await expect(page).toHaveURL(/\/r\/history%3Ahs\.test\/date\/2026\/11\/23$/);
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/01`);
  await page.getByRole("link", { name: "its first day" }).click();
  await expect(page).toHaveURL(/\/r\/history%3Ahs\.test\/date\/2026\/11\/20$/);

  // A room the archive does not hold (yet): its 404 must not outlive a join in a CDN.
  const unknown = await request.get(`${archive.url}/r/not-yet%3Ahs.test/date/2026/11/20`);
  expect(unknown.status()).toBe(404);
  expect(unknown.headers()["cache-control"]).toBe("public, max-age=0, must-revalidate");
  const impossible = await request.get(`${archive.url}/r/history%3Ahs.test/date/2026/02/30`);
  expect(impossible.status()).toBe(404);
  // The room is still served after a 404 of one of its impossible dates.
  const served = await request.get(`${archive.url}/r/history%3Ahs.test/date/2026/11/21`);
  expect(served.headers()["cache-control"]).toContain("s-maxage=3600");
});

test("permalinks of an edit, a reaction and a redaction land on the message they act on", async ({ request }) => {
  for (const [event, target] of [
    ["$d2-edit", "$d2-m1"],
    ["$d2-react1", "$d2-m2"],
    ["$d2-redact", "$d2-m3"],
  ] as const) {
    const res = await request.get(`${archive.url}/r/history%3Ahs.test/event/${encodeURIComponent(event)}`, { maxRedirects: 0 });
    expect(res.status(), event).toBe(301);
    expect(res.headers().location).toBe(`/r/history%3Ahs.test/date/2026/11/21#${target}`);
  }
});

test("day pages link messages by their day anchors, one date picker id each, and an empty date keeps the reader on the day", async ({ page, request }) => {
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/21`);
  expect(await page.locator('a[href*="/event/"]').count()).toBe(0);
  await expect(page.locator('[id="$d2-m2"] blockquote a')).toHaveAttribute("href", "/r/history%3Ahs.test/date/2026/11/20#$d1-m1");
  // A message's own time link is written relative to its day page ("21#$d2-m2"): it resolves to the day's anchor.
  expect(await page.locator('[id="$d2-m2"] header a').evaluate((a) => (a as HTMLAnchorElement).href)).toBe(
    `${archive.url}/r/history%3Ahs.test/date/2026/11/21#$d2-m2`,
  );
  expect(await page.locator('[id="day-picker"]').count()).toBe(1);
  expect(await page.locator('[id="day-picker-bottom"]').count()).toBe(1);
  await expect(page.getByLabel("Go to date").first()).toHaveAttribute("required", "");
  const empty = await request.get(`${archive.url}/r/history%3Ahs.test/date?d=&from=2026-11-21`, { maxRedirects: 0 });
  expect(empty.status()).toBe(303);
  expect(empty.headers().location).toBe("/r/history%3Ahs.test/date/2026/11/21");
  const none = await request.get(`${archive.url}/r/history%3Ahs.test/date`, { maxRedirects: 0 });
  expect(none.status()).toBe(303);
  expect(none.headers().location).toBe("/r/history%3Ahs.test");
  const jsonLd = JSON.parse((await page.locator('script[type="application/ld+json"]').textContent()) ?? "{}") as { commentCount: number; comment: unknown[] };
  expect(jsonLd.commentCount).toBe(jsonLd.comment.length);
});

test("'Load missing messages' works without JavaScript: a form that comes back with an honest answer", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/23`);
  await page.getByRole("button", { name: "Load missing messages" }).first().click();
  // hs.test does not exist: no server can be asked, and the page says so, with the way back.
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(/Could not load them|Nothing to load right now|Still loading/);
  await page.getByRole("link", { name: "Back to the day" }).click();
  await expect(page).toHaveURL(/\/r\/history%3Ahs\.test\/date\/2026\/11\/23$/);
  await context.close();
});

test("the Atom feed carries formatted HTML, emotes with their actor, and authors by display name", async ({ request }) => {
  const roomId = "!feed:hs.test";
  await db.prisma.room.create({ data: { roomId, roomVersion: "11", name: "Feed", canonicalAlias: "#feed:hs.test", historyVisibility: "world_readable" } });
  await insertEvents(db.prisma, {
    roomId,
    arrival: { kind: "live" },
    events: chain(roomId, [
      { id: "$feed-create", ts: 1_764_000_000_000n, type: "m.room.create", stateKey: "", content: { room_version: "11" } },
      { id: "$feed-join", ts: 1_764_000_000_001n, type: "m.room.member", stateKey: "@alice:hs.test", content: { membership: "join", displayname: "Alice A." } },
      { id: "$feed-hv", ts: 1_764_000_000_002n, type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "world_readable" } },
      {
        id: "$feed-md",
        ts: 1_764_000_060_000n,
        content: { msgtype: "m.text", body: "this is **bold**", format: "org.matrix.custom.html", formatted_body: "this is <strong>bold</strong>" },
      },
      { id: "$feed-emote", ts: 1_764_000_120_000n, content: { msgtype: "m.emote", body: "waves" } },
    ]),
    redact: testRedact,
  });
  const xml = await (await request.get(`${archive.url}/r/feed%3Ahs.test/feed.xml`)).text();
  expect(xml).toContain("<title>* Alice A. waves</title>");
  expect(xml).toContain("<title>this is bold</title>");
  expect(xml).toContain('<content type="html">this is &lt;strong&gt;bold&lt;/strong&gt;</content>');
  expect(xml).not.toContain("**bold**");
  expect(xml).toContain("<author><name>Alice A.</name></author>");
  expect(xml).not.toContain("<name>@alice:hs.test</name>");
});

test("site basics: icons (no 404 for /favicon.ico) and link-preview cards on day pages", async ({ page, request }) => {
  const favicon = await request.get(`${archive.url}/favicon.ico`);
  expect(favicon.status()).toBe(200);
  const bytes = await favicon.body();
  expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 1, 0]);
  for (const icon of ["/icon.svg", "/apple-touch-icon.png", "/icon-512.png"]) expect((await request.get(`${archive.url}${icon}`)).status(), icon).toBe(200);
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`);
  await expect(page.locator('link[rel="icon"][href^="/favicon.ico"]')).toHaveCount(1);
  await expect(page.locator('meta[property="og:title"]')).toHaveAttribute("content", /History · 2026-11-20/);
  await expect(page.locator('meta[property="og:site_name"]')).toHaveAttribute("content", "Matrix public archive");
  await expect(page.locator('meta[property="og:image"]')).toHaveAttribute("content", "https://archive.test/icon-512.png");
  await expect(page.locator('meta[name="twitter:card"]')).toHaveAttribute("content", "summary");
  await expect(page.locator('meta[name="twitter:description"]')).toHaveAttribute("content", /3 messages in History/);
});

test("reading comfort: grouped messages, jump to latest, when the archive last heard from the room, and the local-dates note", async ({ browser, page }) => {
  // The busy room: one sender every three minutes, so each message after the first continues the group.
  await page.goto(`${archive.url}/r/busy%3Ahs.test/date/2026/11/25`);
  const articles = page.locator("section article");
  await expect(articles.nth(0)).toHaveClass("msg");
  await expect(articles.nth(1)).toHaveClass("msg cont");
  await expect(articles.nth(1).locator("header > b")).toHaveText(/.+/); // kept for screen readers

  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/20`);
  const days = page.getByRole("navigation", { name: "Days", exact: true });
  await expect(days.getByRole("link", { name: "Jump to latest »" })).toHaveAttribute("href", "/r/history%3Ahs.test");
  await expect(page.getByText("The archive last heard from this room")).toHaveCount(0);
  await page.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/23`);
  await expect(page.getByText("The archive last heard from this room on 2026-11-23 at 12:05 UTC")).toBeVisible();
  await expect(days.getByRole("link", { name: "Jump to latest »" })).toHaveCount(0);
  // A reader in UTC needs no note; one in Tokyo is told the UTC day spans two of their dates.
  await expect(page.locator("[data-utc-day]")).toBeHidden();
  // Nor a second copy of each time: "12:05 UTC" already is the time on their clock.
  await expect(page.locator(".ts > time").first()).toBeVisible();
  await expect(page.locator(".ts > time[data-local]")).toHaveCount(0);
  const tokyo = await browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-GB" });
  const there = await tokyo.newPage();
  await there.goto(`${archive.url}/r/history%3Ahs.test/date/2026/11/23`);
  await expect(there.locator("[data-utc-day]")).toHaveText(/This page is one UTC day\. In your time zone it runs from Mon 23 Nov, 09:00 to Tue 24 Nov, 09:00/);
  // 12:05 UTC is 21:05 in Tokyo, the same date.
  await expect(there.locator('.ts > time[datetime="2026-11-23T12:05Z"]').first()).toHaveAttribute("data-local", "21:05");
  await tokyo.close();
});
