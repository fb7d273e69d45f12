import { defineConfig, devices } from "@playwright/test";

// E2E specs run against the real stack: Synapse peers from scripts/testbed, the archive, and
// Debian's Chromium (Playwright's own browser download is not reachable here; the test script
// runs scripts/install-chromium.sh first).
const isCI = !!process.env.CI;

export default defineConfig({
  testDir: "e2e",
  // One worker: every spec starts real servers, and the machine has 2 cores.
  workers: 1,
  fullyParallel: false,
  forbidOnly: isCI,
  retries: 0,
  // Federation specs start Synapse and wait on real delivery; every wait inside is bounded.
  timeout: 180_000,
  expect: { timeout: 15_000 },
  globalTimeout: 25 * 60_000,
  outputDir: "test-results",
  reporter: isCI ? [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]] : [["list"]],
  globalSetup: "./scripts/testbed/playwright-global-setup.ts",
  // The app server goes here (lead engineer): a `webServer` entry that runs the archive behind
  // the test bed's TLS front, or a globalSetup step that starts both. The federation proof spec
  // does not need it.
  // webServer: { command: "...", url: "http://127.0.0.1:3000", reuseExistingServer: !isCI, timeout: 180_000 },
  use: {
    ...devices["Desktop Chrome"],
    baseURL: process.env.E2E_BASE_URL ?? "http://127.0.0.1:3000",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    video: "off",
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
});
