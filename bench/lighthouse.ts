/**
 * Lighthouse on a 500-message day page: the four category scores (performance, accessibility,
 * best practices, SEO) of Lighthouse 12.2.3's mobile run, with Debian's Chromium, against the
 * production server on a Postgres server.
 *
 *   npm run bench -- lighthouse            # needs `npm run build` first, and network for npx
 *   npm run bench -- lighthouse --runs 3   # the median of three runs per score
 *
 * Lighthouse is fetched by npx at its pinned version rather than installed with the project: it is
 * large, only this bench uses it, and its version must not drift with the lock file's updates.
 * The day is written through lib/timeline as the ingest pipeline writes verified events: a room
 * with four members talking for a day (plain, formatted and long messages, replies, an emote;
 * lib/archive/testing/busy-day-seed.ts, which the page-weight e2e reads too). It also prints the
 * day's bytes: HTML of all its pages and the JavaScript beyond the framework (e2e/fixtures/page-weight.ts).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describeDay, kb, measureDay } from "../e2e/fixtures/page-weight";
import { BUSY_DAY_MESSAGES, BUSY_DAY_PATH, seedBusyDay } from "../lib/archive/testing/busy-day-seed";
import { createTestDatabase } from "../lib/testing/database";
import { startArchiveServer } from "../scripts/archive/server";
import { printResult } from "./lib/result";
import { loadLine } from "./lib/stats";

const LIGHTHOUSE = "lighthouse@12.2.3";
const CHROMIUM = "/usr/bin/chromium";
const CATEGORIES = ["performance", "accessibility", "best-practices", "seo"] as const;

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1 || value > 9) throw new Error(`--${name} must be an integer from 1 to 9`);
  return value;
}

interface Report {
  categories: Record<string, { score: number | null; auditRefs: Array<{ id: string; weight: number }> }>;
  audits: Record<string, { score: number | null; title: string; details?: { items?: Array<{ description?: string; url?: string }> } }>;
}

/** What cost points outside performance (whose audits are timings): audit titles per category. */
function failing(report: Report): string[] {
  return CATEGORIES.filter((c) => c !== "performance").flatMap((c) =>
    (report.categories[c]?.auditRefs ?? [])
      .filter((ref) => ref.weight > 0 && report.audits[ref.id]?.score !== null && (report.audits[ref.id]?.score ?? 1) < 1)
      .map((ref) => {
        const audit = report.audits[ref.id]!;
        const items = (audit.details?.items ?? []).slice(0, 3).map((i) => (i.description ?? i.url ?? "").slice(0, 160));
        return `${c}: ${ref.id} (${audit.title})${items.length > 0 ? `: ${items.join(" | ")}` : ""}`;
      }),
  );
}

// The timings the performance score is made of (Lighthouse 12's weights: TBT 30, LCP 25, CLS 25, FCP 10, SI 10).
const METRICS = ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"] as const;

/** Each performance metric as Lighthouse shows it, with its own score. */
function metrics(report: Report): string[] {
  return METRICS.map((id) => {
    const audit = report.audits[id] as (Report["audits"][string] & { displayValue?: string }) | undefined;
    return `${id} ${audit?.displayValue ?? "–"} (score ${audit?.score === null || audit?.score === undefined ? "–" : Math.round(audit.score * 100)})`;
  });
}

async function lighthouse(url: string, outDir: string, run: number): Promise<{ scores: Record<string, number>; failing: string[]; metrics: string[] }> {
  const out = path.join(outDir, `report-${run}.json`);
  await promisify(execFile)(
    "npx",
    [
      "-y",
      LIGHTHOUSE,
      url,
      "--quiet",
      "--output=json",
      `--output-path=${out}`,
      `--chrome-path=${CHROMIUM}`,
      "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
      `--only-categories=${CATEGORIES.join(",")}`,
    ],
    { timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const report = JSON.parse(readFileSync(out, "utf8")) as Report;
  return {
    scores: Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((report.categories[c]?.score ?? 0) * 100)])),
    failing: failing(report),
    metrics: metrics(report),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const runs = argValue("runs", 1);
  const db = await createTestDatabase("postgres");
  const outDir = mkdtempSync(path.join(os.tmpdir(), "lighthouse-"));
  let server: Awaited<ReturnType<typeof startArchiveServer>> | undefined;
  try {
    await seedBusyDay(db.prisma);
    server = await startArchiveServer({ env: { DATABASE_URL: db.url, LOG_LEVEL: "warn", DAY_FILL_ON_VIEW: "false" } });
    const page = `${server.url}${BUSY_DAY_PATH}`;
    const first = await fetch(page);
    if (first.status !== 200) throw new Error(`the day page answered ${first.status}`);
    await first.text();
    const weight = await measureDay(server.url, BUSY_DAY_PATH);
    const scores: Array<Record<string, number>> = [];
    const lost = new Set<string>();
    for (let run = 0; run < runs; run++) {
      const report = await lighthouse(page, outDir, run);
      scores.push(report.scores);
      for (const f of report.failing) lost.add(f);
      console.log(`  run ${run + 1}: performance ${report.scores.performance}: ${report.metrics.join(", ")}`);
    }
    const result = Object.fromEntries(CATEGORIES.map((c) => [c, median(scores.map((s) => s[c]!))]));
    console.log(`Lighthouse ${LIGHTHOUSE.split("@")[1]} (mobile), ${BUSY_DAY_MESSAGES}-message day (lib/archive/testing/busy-day-seed.ts), ${runs} run(s):`);
    for (const c of CATEGORIES) console.log(`  ${c.padEnd(15)} ${result[c]}`);
    for (const f of lost) console.log(`  lost points: ${f}`);
    for (const line of describeDay(weight)) console.log(line);
    console.log(loadLine());
    printResult({
      name: "lighthouse",
      rows: [
        ...CATEGORIES.map((c): [string, string, string] => [
          `Lighthouse ${c}, 500-message day (mobile)`,
          String(result[c]),
          runs > 1 ? `median of ${runs}` : "one run",
        ]),
        ["HTML of the whole 500-message day (all pages, inline payload included)", kb(weight.htmlBytes), `${weight.pages.length} pages`],
        ["JavaScript beyond the framework on a day page (gzip)", kb(weight.ownJsGzip), `framework ${kb(weight.frameworkJsGzip)}`],
      ],
      notes: [loadLine()],
    });
  } finally {
    await server?.stop();
    await db.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
