// Search benchmark (issue 16): full-text queries over a room of 100,000 messages on PGlite (in
// memory; set DATABASE_URL for a Postgres server). The messages are written through lib/timeline
// (so the search rows are the write path's), with words drawn from a Zipf-like vocabulary, so
// queries range from words in a handful of messages to words in a third of them.
//   npm run bench -- search                   (BENCH_MESSAGES=20000 for a quicker run)
// Reports p50/p99 per query kind of the timeline's query (one page of 20 hits with snippets) and
// of the whole use case (room access, visibility, display names), and the seeding throughput.
import { randomBytes } from "node:crypto";
import { searchArchive } from "@/lib/archive/search";
import { openDatabase } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { insertEvents, searchMessageRows } from "@/lib/timeline";
import { makeEvent, testRedact } from "@/lib/timeline/testing/events";
import { printResult } from "./lib/result";
import { loadLine } from "./lib/stats";

const env = parseEnv(process.env);
const TOTAL = Number(process.env.BENCH_MESSAGES ?? 100_000);
const BATCH = 500;
const REPEAT = 30;
const MAX_SECONDS = 600;
const run = randomBytes(3).toString("hex");
const roomId = `!bench-search-${run}:example.org`;
const alias = `#bench-search-${run}:example.org`;

// A fixed pseudo-random sequence, so every run indexes the same text.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const VOCABULARY = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}x`);
const COMMON = ["deploy", "release", "server", "matrix", "room", "message", "federation", "backup", "database", "question"];
// Zipf-like: word k is drawn with weight 1/(k+1); `COMMON` words take the first ranks.
const words = [...COMMON, ...VOCABULARY];
const cumulative: number[] = [];
words.reduce((sum, _, k) => (cumulative.push(sum + 1 / (k + 1)), sum + 1 / (k + 1)), 0);
const pick = () => {
  const x = random() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
};
const sentence = () => Array.from({ length: 6 + Math.floor(random() * 14) }, pick).join(" ");

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;
const ms = (x: number) => `${x.toFixed(1)} ms`;

async function main() {
  const db = openDatabase({ url: env.DATABASE_URL, dataDir: env.DATABASE_URL ? undefined : "memory://" });
  await db.migrate();
  const started = performance.now();
  await db.prisma.room.create({ data: { roomId, roomVersion: "11", canonicalAlias: alias, name: "Search bench", historyVisibility: "world_readable" } });
  const t0 = Date.parse("2025-01-01T00:00:00Z");
  const insertMs: number[] = [];
  for (let b = 0; b * BATCH < TOTAL; b++) {
    if ((performance.now() - started) / 1000 > MAX_SECONDS) throw new Error(`seeding took over ${MAX_SECONDS} s`);
    const events = Array.from({ length: Math.min(BATCH, TOTAL - b * BATCH) }, (_, k) => {
      const i = b * BATCH + k;
      const e = makeEvent(roomId, { id: `$s${run}_${i}`, prevs: i > 0 ? [`$s${run}_${i - 1}`] : [], depth: i + 1, ts: t0 + i * 20_000 });
      return { ...e, pdu: JSON.stringify({ event_id: e.eventId, type: e.type, content: { msgtype: "m.text", body: sentence() } }) };
    });
    const t = performance.now();
    await insertEvents(db.prisma, { roomId, arrival: { kind: "live" }, events, redact: testRedact });
    insertMs.push(performance.now() - t);
    if ((b + 1) % 40 === 0) process.stderr.write(`  seeded ${(b + 1) * BATCH} messages, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
  const seedSeconds = (performance.now() - started) / 1000;
  const counts = await db.prisma.$queryRaw<{ word: string; n: number }[]>`
    SELECT w AS word, (SELECT count(*)::int FROM message_search WHERE room_id = ${roomId} AND tsv @@ to_tsquery('english', w)) AS n
    FROM unnest(${["deploy", "federation", words[200]!, words[3000]!]}::text[]) AS w`;
  const share = new Map(counts.map((c) => [c.word, c.n]));
  const queries: Array<[string, string]> = [
    [`common word (${share.get("deploy")} hits)`, "deploy"],
    [`frequent word (${share.get("federation")} hits)`, "federation"],
    [`uncommon word (${share.get(words[200]!)} hits)`, words[200]!],
    [`rare word (${share.get(words[3000]!)} hits)`, words[3000]!],
    ["two words, both required", `deploy ${words[200]}`],
    ["phrase", `"deploy release"`],
    ["word and exclusion", `federation -deploy`],
    ["no match", "zzzznotaword"],
  ];
  const rows: Array<[string, string, string]> = [];
  const all: number[] = [];
  console.log(
    `Search over a room of ${TOTAL} messages (${env.DATABASE_URL ? "Postgres" : "PGlite in memory"}), ${REPEAT} runs per query after one warm-up; ${loadLine()}`,
  );
  console.log("| query | timeline query p50 | p99 | whole use case p50 | p99 |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const [label, query] of queries) {
    const raw: number[] = [];
    const whole: number[] = [];
    await searchMessageRows(db.prisma, { roomIds: [roomId], query, limit: 20, offset: 0 });
    for (let i = 0; i < REPEAT; i++) {
      let t = performance.now();
      const result = await searchMessageRows(db.prisma, { roomIds: [roomId], query, limit: 20, offset: 0 });
      raw.push(performance.now() - t);
      if (result.status !== "ok") throw new Error(`${label}: ${result.status}`);
      t = performance.now();
      const page = await searchArchive(db.prisma, { kind: "alias", alias }, { q: query });
      whole.push(performance.now() - t);
      if (page.status !== "ok") throw new Error(`${label}: ${page.status}`);
    }
    all.push(...whole);
    console.log(`| ${label} | ${ms(quantile(raw, 0.5))} | ${ms(quantile(raw, 0.99))} | ${ms(quantile(whole, 0.5))} | ${ms(quantile(whole, 0.99))} |`);
    rows.push([`${label}`, `p50 ${ms(quantile(whole, 0.5))}`, `p99 ${ms(quantile(whole, 0.99))}; query alone p50 ${ms(quantile(raw, 0.5))}`]);
  }
  const p50 = quantile(all, 0.5);
  console.log(`\nAll queries, whole use case: p50 ${ms(p50)}, p99 ${ms(quantile(all, 0.99))} (target: p50 under 50 ms on PGlite).`);
  console.log(
    `Seeding ${TOTAL} messages through lib/timeline: ${seedSeconds.toFixed(0)} s, ${(TOTAL / seedSeconds).toFixed(0)} messages/s (batch of ${BATCH} p50 ${ms(quantile(insertMs, 0.5))}).`,
  );
  rows.unshift([`all queries, ${TOTAL}-message room`, `p50 ${ms(p50)}`, `p99 ${ms(quantile(all, 0.99))}; target p50 < 50 ms`]);
  printResult({ name: "search", rows, notes: [loadLine()] });
  await db.close();
}

await main();
