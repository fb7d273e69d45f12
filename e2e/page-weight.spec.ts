import { expect, test } from "@playwright/test";
import { BUSY_DAY_MESSAGES, BUSY_DAY_PATH, seedBusyDay } from "../lib/archive/testing/busy-day-seed";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";
import { startArchiveServer, type ArchiveServer } from "../scripts/archive/server";
import { describeDay, measureDay } from "./fixtures/page-weight";

// The byte budgets of a day page (docs/day-pages.md, "Keeping pages light"): a 500-message day at
// most 300 KB of HTML over all its pages, inline RSC payload included, and at most 25 KB of gzipped
// JavaScript beyond the framework's runtime on a day page. Bytes, unlike timings, do not depend on
// the machine, so they are a test. The day is readable without JavaScript: every message is in the
// HTML a browser without scripts shows.

let db: PostgresTestDatabase;
let archive: ArchiveServer;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(300_000);
  db = await createTestDatabase("postgres");
  await seedBusyDay(db.prisma);
  archive = await startArchiveServer({
    env: { DATABASE_URL: db.url, LOG_LEVEL: "warn", DAY_FILL_ON_VIEW: "false" },
    logFile: testInfo.outputPath("archive.log"),
  });
});

test.afterAll(async () => {
  await archive?.stop();
  await db?.close();
});

test("a 500-message day stays within its HTML and JavaScript budgets", async ({}, testInfo) => {
  const weight = await measureDay(archive.url, BUSY_DAY_PATH);
  const lines = describeDay(weight);
  console.log(lines.join("\n"));
  await testInfo.attach("page-weight.txt", { body: lines.join("\n"), contentType: "text/plain" });
  expect(
    weight.pages.reduce((n, p) => n + p.messages, 0),
    "every message is on one of the day's pages",
  ).toBe(BUSY_DAY_MESSAGES);
  expect(weight.htmlBytes, "HTML of the whole day (bytes)").toBeLessThanOrEqual(300_000);
  expect(weight.ownJsGzip, "JavaScript beyond the framework (gzip bytes)").toBeLessThanOrEqual(25_000);
});

test("senders show their avatar thumbnail, or their initial without one, beside a group's name", async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on("console", (m) => void (m.type() === "error" && consoleErrors.push(m.text())));
  const faces: { status: number; type: string | undefined; blank: string | undefined }[] = [];
  page.on("response", (r) => {
    if (r.url().includes("/media/")) faces.push({ status: r.status(), type: r.headers()["content-type"], blank: r.headers()["x-archive-media"] });
  });
  const res = await page.goto(`${archive.url}${BUSY_DAY_PATH}`);
  const html = (await res?.text()) ?? "";
  // One rule per sender and page; a message carries only its sender's class.
  expect(html).toContain('::after{background-image:url("\\2f media\\2f hs\\2e test\\2f avatarAlice\\3f thumbnail\\3d 32x32\\26 missing\\3d blank")}');
  const alice = page.locator("article:not(.cont) > header > b", { hasText: "Alice" }).first();
  const bob = page.locator("article:not(.cont) > header > b", { hasText: "Bob" }).first();
  expect(await alice.evaluate((b) => getComputedStyle(b, "::after").backgroundImage)).toContain("/media/hs.test/avatarAlice?thumbnail=32x32");
  expect(await bob.evaluate((b) => getComputedStyle(b, "::before").content)).toContain('"B"');
  expect(await bob.evaluate((b) => getComputedStyle(b, "::after").backgroundImage)).toBe("none");
  // The initial is decoration, with no text for screen readers (`/ ""`).
  expect(await bob.evaluate((b) => getComputedStyle(b, "::before").content)).toContain('/ ""');
  // hs.test is no server: the faces cannot be fetched, and each is a transparent image over the
  // initial rather than a failed request in the reader's console.
  await expect.poll(() => faces.length, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
  expect(faces.every((f) => f.status === 200 && f.type === "image/gif" && f.blank?.startsWith("blank; "))).toBe(true);
  expect(consoleErrors).toEqual([]);
});

test("the day reads without JavaScript", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${archive.url}${BUSY_DAY_PATH}`);
  await expect(page.getByText("message 2 of the day", { exact: true })).toBeVisible();
  await expect(page.getByText("Later messages of this day").first()).toBeVisible();
  await context.close();
});
