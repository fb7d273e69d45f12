import AxeBuilder from "@axe-core/playwright";
import { expect, test } from "@playwright/test";
import { seedDayPageRooms } from "../lib/archive/testing/day-pages-seed";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";
import { startArchiveServer, type ArchiveServer } from "../scripts/archive/server";

// Accessibility as axe-core checks it (WCAG 2.x A and AA rules, colour contrast included) on the
// pages readers land on: the home page, a day page, a day with a gap, a permalink's target, the
// 403 of a room that is not public and the 404 of one the archive does not hold, each in light and
// dark mode and on a desktop and a 390 px phone screen. Real pages from the production server on
// the day-page seed.

let db: PostgresTestDatabase;
let archive: ArchiveServer;

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(300_000);
  db = await createTestDatabase("postgres");
  await seedDayPageRooms(db.prisma);
  archive = await startArchiveServer({
    env: { DATABASE_URL: db.url, LOG_LEVEL: "warn", ARCHIVE_BASE_URL: "https://archive.test", DAY_FILL_ON_VIEW: "false" },
    logFile: testInfo.outputPath("archive.log"),
  });
});

test.afterAll(async () => {
  await archive?.stop();
  await db?.close();
});

const PAGES: Array<{ name: string; path: string; status: number }> = [
  { name: "home page", path: "/", status: 200 },
  { name: "day page", path: "/r/history%3Ahs.test/date/2026/11/21", status: 200 },
  { name: "day with a gap", path: "/r/history%3Ahs.test/date/2026/11/23", status: 200 },
  { name: "permalink target", path: "/r/history%3Ahs.test/event/%24d2-m2", status: 200 },
  { name: "403 page", path: "/r/closed%3Ahs.test/date/2026/11/20", status: 403 },
  { name: "404 page", path: "/r/nowhere%3Ahs.test/date/2026/11/20", status: 404 },
];

const VIEWS = [
  { name: "light, desktop", colorScheme: "light" as const, width: 1280, height: 900 },
  { name: "dark, desktop", colorScheme: "dark" as const, width: 1280, height: 900 },
  { name: "light, 390 px", colorScheme: "light" as const, width: 390, height: 844 },
  { name: "dark, 390 px", colorScheme: "dark" as const, width: 390, height: 844 },
];

for (const view of VIEWS) {
  test(`axe finds no violations (${view.name})`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width: view.width, height: view.height });
    await page.emulateMedia({ colorScheme: view.colorScheme });
    const found: string[] = [];
    for (const p of PAGES) {
      const res = await page.goto(`${archive.url}${p.path}`);
      expect(res?.status(), p.name).toBe(p.status);
      const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
      for (const v of result.violations) {
        const where = v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(" "))
          .join("; ");
        found.push(`${p.name}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.length} node(s): ${where}`);
      }
    }
    expect(found, found.join("\n")).toEqual([]);
  });
}

test("the check can fail: axe reports an image without a text alternative and low contrast", async ({ page }) => {
  await page.setContent(
    '<html lang="en"><title>x</title><main><img src="data:image/png;base64,iVBORw0KGgo="><p style="color:#bbb;background:#fff">faint</p></main></html>',
  );
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(result.violations.map((v) => v.id).sort()).toEqual(["color-contrast", "image-alt"]);
});
