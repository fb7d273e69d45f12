import { expect, test } from "@playwright/test";
import { startArchiveServer, type ArchiveServer } from "../scripts/archive/server";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";

// The app as a reader gets it: a production Next.js server on a real Postgres database,
// rendered in Chromium. Rooms are written straight to the database here; the federation
// e2e tests cover how they get there.

let db: PostgresTestDatabase;
let archive: ArchiveServer;

test.beforeAll(async ({}, testInfo) => {
  db = await createTestDatabase("postgres");
  await db.prisma.room.createMany({
    data: [
      {
        roomId: "!open:hs.test",
        roomVersion: "11",
        name: "Open Lounge",
        canonicalAlias: "#open:hs.test",
        topic: "Anyone can read this",
        historyVisibility: "world_readable",
      },
      { roomId: "!closed:hs.test", roomVersion: "11", name: "Members Only", historyVisibility: "shared" },
    ],
  });
  archive = await startArchiveServer({
    env: { DATABASE_URL: db.url, LOG_LEVEL: "warn" },
    logFile: testInfo.outputPath("archive.log"),
  });
});

test.afterAll(async () => {
  await archive?.stop();
  await db?.close();
});

test("the home page lists the world-readable rooms it holds and no others", async ({ page }, testInfo) => {
  const response = await page.goto(`${archive.url}/`);
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle("Matrix public archive");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Public Matrix rooms");
  const rooms = page.getByRole("list", { name: "Archived rooms" });
  await expect(rooms.getByRole("link", { name: "Open Lounge" })).toHaveAttribute("href", "/r/open%3Ahs.test");
  await expect(rooms.getByText("Anyone can read this")).toBeVisible();
  await expect(page.getByText("Members Only")).toHaveCount(0);
  await expect(page.getByRole("main")).toBeVisible();
  await expect(page.getByRole("contentinfo")).toContainText("world_readable");
  await page.screenshot({ path: testInfo.outputPath("home-page.png"), fullPage: true });
});
