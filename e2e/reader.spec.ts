import { expect, test, type Page, type TestInfo } from "@playwright/test";
import { dayPagePath, roomBasePath } from "../lib/archive/room-paths";
import type { MatrixUser } from "../scripts/testbed/matrix-client";
import { type Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// What readers expect of an archive (issue 16), on real Synapse data: search (and its honesty
// about gaps), later threads, exports and room upgrades. One room on hs1 that the archive joins
// without backfilling, so the history before its join is a gap.

test.describe.configure({ mode: "serial" });

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 1, archive: { name: "archive-reader", env: () => ({ DAY_FILL_ON_VIEW: "false" }) } }, (ready) => ({ bed, archive } = ready));

let alice: MatrixUser;
let roomId: string;
let alias: string;
let base: string;
const sent: Record<string, string> = {};

async function stored(ids: readonly string[]) {
  const report = () => archive.admin<{ events: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`);
  await expect
    .poll(
      async () => {
        const held = new Set((await report()).events.map((e) => e.eventId));
        return ids.filter((id) => !held.has(id));
      },
      { timeout: 60_000, intervals: [250] },
    )
    .toEqual([]);
}

test.beforeAll(async () => {
  test.setTimeout(240_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  alice = await hs1.registerUser("alice");
  alias = `#reader:${hs1.serverName}`;
  roomId = await alice.createRoom({ alias: "reader", roomVersion: "11", name: "Reader" });
  sent.early = await alice.sendMessage(roomId, "said before the archive came: early pelican");
  // backfill 0: the archive holds nothing before its join, a gap a reader is told about.
  await archive.admin("join", { room: alias, backfill: 0 });
  await alice.waitForJoined(roomId, `@archive:${archive.serverName}`);
  sent.pelican = await alice.sendMessage(roomId, "The blue pelican sings at dawn <b>loudly</b>");
  sent.other = await alice.sendMessage(roomId, "Something else entirely");
  sent.secret = await alice.sendMessage(roomId, "the secret swordfish recipe");
  sent.redaction = await alice.redact(roomId, sent.secret);
  await stored([sent.pelican, sent.other, sent.secret, sent.redaction]);
  base = roomBasePath({ roomId, canonicalAlias: alias });
});

/**
 * Desktop and 390 px wide, light and dark: one full-page screenshot each, attached to the test
 * (the HTML report shows them) and kept in its output folder.
 */
async function screenshots(page: Page, name: string, testInfo: TestInfo) {
  for (const [width, height] of [
    [1280, 900],
    [390, 844],
  ] as const) {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      const file = testInfo.outputPath(`${name}-${width}-${colorScheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await testInfo.attach(`${name}, ${width} px, ${colorScheme}`, { path: file, contentType: "image/png" });
    }
  }
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.emulateMedia({ colorScheme: "light" });
}

async function search(page: Page, q: string) {
  await page.goto(`${archive.url}${dayPagePath(base, new Date().toISOString().slice(0, 10))}`);
  await page.getByRole("searchbox", { name: "Search this room" }).fill(q);
  await page.getByRole("button", { name: "Search messages" }).click();
  await expect(page).toHaveURL(new RegExp(`/search\\?q=${encodeURIComponent(q)}$`));
}

test("a client navigation to a day page (the search page's room link) shows the day's messages", async ({ page }) => {
  await search(page, "pelicans");
  // A next/link: the router fetches the page's payload, which holds no messages (static blocks).
  await page.locator(`main a[href="${base}"]`).first().click();
  await expect(page).toHaveURL(/\/date\/\d{4}\/\d{2}\/\d{2}/);
  await expect(page.locator("article.msg").first()).toBeVisible();
});

test("a search finds a message, says results may be incomplete, and its link lands on the message highlighted", async ({ page }, testInfo) => {
  await search(page, "pelicans");
  await expect(page.locator('meta[name="robots"]')).toHaveAttribute("content", /noindex/);
  const results = page.getByRole("region", { name: "Search results" });
  await expect(results.locator("article")).toHaveCount(1);
  const hit = results.locator("article").first();
  await expect(hit).toContainText("alice");
  await expect(hit.locator("mark")).toHaveText("pelican");
  // Text that looks like markup stays text.
  await expect(hit).toContainText("<b>loudly</b>");
  await expect(hit.locator("b")).toHaveCount(0);
  await expect(page.getByRole("note", { name: "Results may be incomplete" })).toContainText(/Results may be incomplete: \d+ gaps?/);
  await screenshots(page, "search-results", testInfo);

  await hit.getByRole("link").click();
  await expect.poll(() => decodeURIComponent(new URL(page.url()).hash)).toBe(`#${sent.pelican}`);
  const target = page.locator(`[id="${sent.pelican}"]`);
  await expect(target).toBeVisible();
  // :target highlights the message the link names.
  expect(await target.evaluate((el) => el.matches(":target"))).toBe(true);
});

test("redacted text is never found, and bad queries get a page that says so", async ({ page, request }) => {
  await search(page, "swordfish");
  await expect(page.getByRole("region", { name: "Search results" })).toContainText("No message matches “swordfish”");
  const long = await request.get(`${archive.url}${base}/search?q=${"x".repeat(500)}`);
  expect(long.status()).toBe(200);
  expect(await long.text()).toContain("Query too long");
  const symbols = await request.get(`${archive.url}${base}/search?q=${encodeURIComponent("\"'&|!():*\\")}`);
  expect(symbols.status()).toBe(200);
  expect((await request.get(`${archive.url}/r/nowhere%3Aexample.org/search?q=x`)).status()).toBe(404);
  // The search across rooms finds it too, and works without JavaScript (a plain GET form).
  const all = await request.get(`${archive.url}/search?q=pelican`);
  expect(all.status()).toBe(200);
  expect(await all.text()).toContain("sings at dawn");
});

test("the JSON export of a day matches the page's items, and the room streams as NDJSON", async ({ page, request }) => {
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${archive.url}${dayPagePath(base, today)}`);
  const pageIds = await page.locator("section article[id]").evaluateAll((els) => els.map((e) => e.id));
  const jsonHref = await page.getByRole("link", { name: "JSON", exact: true }).getAttribute("href");
  const json = await request.get(`${archive.url}${jsonHref}`);
  expect(json.status()).toBe(200);
  expect(json.headers()["content-type"]).toContain("application/json");
  const day = (await json.json()) as { items: Array<{ kind: string; event?: { event_id: string; type: string; content: Record<string, unknown> } }> };
  const messages = day.items.flatMap((i) => (i.event?.type === "m.room.message" ? [i.event.event_id] : []));
  expect(messages).toEqual(pageIds);
  expect(messages).toEqual(expect.arrayContaining([sent.pelican, sent.other, sent.secret]));
  expect(day.items.some((i) => i.kind === "gap")).toBe(true);
  expect(JSON.stringify(day)).not.toContain("swordfish");

  const text = await request.get(`${archive.url}${await page.getByRole("link", { name: "plain text" }).getAttribute("href")}`);
  expect(text.headers()["content-type"]).toContain("text/plain");
  expect(await text.text()).toContain("The blue pelican sings at dawn");

  const ndjson = await request.get(`${archive.url}${await page.getByRole("link", { name: "NDJSON" }).getAttribute("href")}`);
  expect(ndjson.status()).toBe(200);
  expect(ndjson.headers()["content-disposition"]).toMatch(/^attachment; filename=".+\.ndjson"$/);
  const lines = (await ndjson.text())
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { kind: string; event?: { event_id: string } });
  expect(lines[0]).toMatchObject({ kind: "room", room_id: roomId });
  expect(lines.at(-1)).toEqual({ kind: "end", reason: "complete" });
  expect(lines.flatMap((l) => (l.event ? [l.event.event_id] : []))).toEqual(expect.arrayContaining([sent.pelican, sent.redaction]));
  expect((await request.get(`${archive.url}/r/nowhere%3Aexample.org/export/room.ndjson`)).status()).toBe(404);
  expect((await request.get(`${archive.url}${base}/export/2020-02-31.json`)).status()).toBe(404);
  expect((await request.get(`${archive.url}${base}/export/whatever.exe`)).status()).toBe(404);
});

test("grouping and the time-zone note: one sender's messages in a row share a name, and a reader east of UTC is told the day spans two dates", async ({
  browser,
  page,
}) => {
  const today = new Date().toISOString().slice(0, 10);
  await page.goto(`${archive.url}${dayPagePath(base, today)}`);
  // alice sent these within seconds of each other: the later ones continue the group.
  await expect(page.locator(`[id="${sent.pelican}"]`)).toHaveClass("msg");
  await expect(page.locator(`[id="${sent.other}"]`)).toHaveClass("msg cont");
  await expect(page.locator(`[id="${sent.other}"] header > b`)).toHaveText(/.+/); // kept for screen readers
  await expect(page.locator("[data-utc-day]")).toBeHidden();
  const tokyo = await browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-GB" });
  try {
    const there = await tokyo.newPage();
    await there.goto(`${archive.url}${dayPagePath(base, today)}`);
    await expect(there.locator("[data-utc-day]")).toHaveText(/This page is one UTC day\. In your time zone it runs from .+, 09:00 to .+, 09:00/);
  } finally {
    await tokyo.close();
  }
});

test("a thread page shows the thread in order, and its root on the day page counts the replies", async ({ page }, testInfo) => {
  const root = await alice.sendMessage(roomId, "Thread root: shall we paint the shed?");
  const inThread = () => ({ "m.relates_to": { rel_type: "m.thread", event_id: root, is_falling_back: true, "m.in_reply_to": { event_id: root } } });
  const replies: string[] = [];
  for (const body of ["Yes, green.", "No, blue!", "Green it is."]) replies.push(await alice.sendMessage(roomId, body, inThread()));
  await stored([root, ...replies]);

  await page.goto(`${archive.url}${dayPagePath(base, new Date().toISOString().slice(0, 10))}`);
  const rootItem = page.locator(`[id="${root}"]`);
  await expect(rootItem).toContainText("3 replies in the thread");
  await screenshots(page, "day-page", testInfo);
  await rootItem.getByRole("link", { name: "3 replies in the thread" }).click();
  await expect(page).toHaveURL(new RegExp(`/thread/${encodeURIComponent(root).replace(/[$]/g, "\\$")}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText("3 replies");
  const ids = await page
    .getByRole("region", { name: "Thread" })
    .locator("article[id]")
    .evaluateAll((els) => els.map((e) => e.id));
  expect(ids).toEqual([root, ...replies]);
  await expect(page.getByRole("region", { name: "Thread" })).toContainText("No, blue!");
  await screenshots(page, "thread-page", testInfo);

  // Unknown threads and rooms answer 404, and the 404's title and robots rule are in the head
  // of the HTML as sent (no JavaScript needed, nothing streamed in later).
  for (const path of [
    `${base}/thread/${encodeURIComponent("$nothing-here")}`,
    `/r/nowhere%3Aexample.org/thread/${encodeURIComponent(root)}`,
    `/r/nowhere%3Aexample.org/date/2026/11/20`,
  ]) {
    const missing = await page.request.get(`${archive.url}${path}`);
    expect(missing.status(), path).toBe(404);
    const html = await missing.text();
    const head = html.slice(0, html.indexOf("</head>"));
    expect(head, path).toMatch(/<title>Not in the archive · [^<]+<\/title>/);
    expect(head, path).toContain('<meta name="robots" content="noindex, nofollow"/>');
  }
});

test("a room upgrade: the archive follows it to the world-readable successor, and each room links the other", async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const oldBase = roomBasePath({ roomId, canonicalAlias: null });
  const successor = await alice.upgradeRoom(roomId, "11");
  // The tombstone reaches the archive live; the archive queues a join of the successor.
  await expect
    .poll(async () => (await archive.rooms()).find((r) => r.roomId === successor)?.status ?? null, { timeout: 90_000, intervals: [500] })
    .toBe("joined");
  await alice.waitForJoined(successor, `@archive:${archive.serverName}`);
  const newBase = roomBasePath({ roomId: successor, canonicalAlias: alias });

  // The alias moved to the successor: the old room is read by its ID.
  const today = new Date().toISOString().slice(0, 10);
  await expect.poll(async () => (await page.request.get(`${archive.url}${dayPagePath(oldBase, today)}`)).status(), { timeout: 30_000 }).toBe(200);
  await page.goto(`${archive.url}${dayPagePath(oldBase, today)}`);
  const onward = page.getByRole("note", { name: "Room upgrade" }).filter({ hasText: "This room continues in" });
  await expect(onward).toBeVisible();
  await expect(onward.getByRole("link")).toHaveAttribute("href", `${newBase}/first`);
  // Past the last day: the day navigation leads on to the successor.
  await expect(page.getByRole("navigation", { name: "Days", exact: true }).getByRole("link", { name: /Continued in/ })).toHaveAttribute(
    "href",
    `${newBase}/first`,
  );
  await screenshots(page, "upgrade-old-room", testInfo);
  await onward.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`${newBase.replace(/[.%]/g, (c) => `\\${c}`)}/date/${today.replaceAll("-", "/")}$`));
  const back = page.getByRole("note", { name: "Room upgrade" }).filter({ hasText: "Continued from" });
  await expect(back).toBeVisible();
  await back.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`${oldBase.replace(/[.%!]/g, (c) => `\\${c}`)}/date/${today.replaceAll("-", "/")}$`));
  await expect(page.getByRole("note", { name: "Room upgrade" }).filter({ hasText: "This room continues in" })).toBeVisible();
});
