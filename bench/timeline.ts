// Timeline benchmark (issue 5): the backfill pattern (100,000 events in batches of 100 walking
// backwards into one gap), 100,000 live appends, and the day-window query for a day of 500
// events with gaps. PGlite in memory by default; set DATABASE_URL to measure Postgres.
//   npx tsx bench/timeline.ts            (BENCH_EVENTS=20000 for a quicker run)
import { randomBytes } from "node:crypto";
import { openDatabase, type Database } from "@/lib/db";
import { parseEnv } from "@/lib/env";
import { getDayWindow, insertEvents, listGaps, purgeRoomTimeline, type Arrival } from "@/lib/timeline";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";

const env = parseEnv(process.env);
const TOTAL = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 100;
const DAY = Date.parse("2024-03-15T00:00:00Z");
const run = randomBytes(3).toString("hex");

interface Row {
  scenario: string;
  events: number;
  seconds: number;
  perSecond: number;
  batchP50: number;
  batchP99: number;
  keyBytes: number;
  maxAbsPosition: bigint;
  /**
   * This process's CPU time per batch (user + system, helper threads such as the GC's included).
   * On Postgres, the client's share of a batch; on PGlite the database runs in this process too.
   */
  cpuPerBatch: number;
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0;

async function insert(db: Database, roomId: string, arrival: Arrival, specs: EventSpec[]) {
  await insertEvents(db.prisma, { roomId, arrival, events: specs.map((s) => makeEvent(roomId, s)), redact: testRedact });
}

async function keyStats(db: Database, roomId: string) {
  const rows = await db.prisma.$queryRaw<{ bytes: number; lo: bigint; hi: bigint }[]>`
    SELECT max(pg_column_size(position))::int AS bytes, min(position) AS lo, max(position) AS hi
    FROM timeline_items WHERE room_id = ${roomId}`;
  const r = rows[0]!;
  const abs = (x: bigint) => (x < 0n ? -x : x);
  return { keyBytes: r.bytes, maxAbsPosition: abs(r.lo) > abs(r.hi) ? abs(r.lo) : abs(r.hi) };
}

async function timed(scenario: string, db: Database, roomId: string, batches: (() => Promise<void>)[]): Promise<Row> {
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const [i, batch] of batches.entries()) {
    const t = performance.now();
    await batch();
    latencies.push(performance.now() - t);
    if ((i + 1) % 100 === 0) {
      process.stderr.write(`  ${scenario}: ${(i + 1) * BATCH} events, ${((performance.now() - start) / 1000).toFixed(0)} s\n`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    scenario,
    events: batches.length * BATCH,
    seconds,
    perSecond: (batches.length * BATCH) / seconds,
    batchP50: quantile(latencies, 0.5),
    batchP99: quantile(latencies, 0.99),
    cpuPerBatch: (used.user + used.system) / 1000 / batches.length,
    ...(await keyStats(db, roomId)),
  };
}

/** [gap] $x, then batch after batch of older events, each going before the previous one. */
async function backfillPattern(db: Database): Promise<Row> {
  const roomId = `!bench-backfill-${run}:example.org`;
  await createRoom(db.prisma, roomId);
  const id = (i: number) => `$bf${run}_${i}`;
  await insert(db, roomId, { kind: "live" }, [{ id: id(0), prevs: [id(1)], depth: TOTAL + 1, ts: DAY }]);
  const batches = Array.from({ length: TOTAL / BATCH }, (_, b) => async () => {
    const specs = Array.from({ length: BATCH }, (_, k) => {
      const i = b * BATCH + k + 1;
      return { id: id(i), prevs: [id(i + 1)], depth: TOTAL + 1 - i, ts: DAY - i * 1000 };
    });
    await insert(db, roomId, { kind: "backfill", before: id(b * BATCH) }, specs);
  });
  const row = await timed("backfill into one gap", db, roomId, batches);
  const gaps = await listGaps(db.prisma, roomId);
  if (gaps.length !== 1 || gaps[0]!.missingPrevEvents[0] !== id(TOTAL + 1)) throw new Error("backfill left the wrong gap");
  return row;
}

async function livePattern(db: Database): Promise<Row> {
  const roomId = `!bench-live-${run}:example.org`;
  await createRoom(db.prisma, roomId);
  const id = (i: number) => `$lv${run}_${i}`;
  const batches = Array.from({ length: TOTAL / BATCH }, (_, b) => async () => {
    const specs = Array.from({ length: BATCH }, (_, k) => {
      const i = b * BATCH + k;
      return { id: id(i), prevs: i === 0 ? [] : [id(i - 1)], depth: i + 1, ts: DAY + i * 1000 };
    });
    await insert(db, roomId, { kind: "live" }, specs);
  });
  return timed("live appends", db, roomId, batches);
}

/**
 * 500 events over one day, delivered live in chunks of 25 with the first 3 of every other
 * chunk lost, appended to the room the backfill filled, so the day sits in 100,000 events.
 */
async function dayWindow(db: Database): Promise<{ p50: number; p50Paged: number; items: number; gaps: number }> {
  const roomId = `!bench-backfill-${run}:example.org`;
  const DAY2 = Date.parse("2024-03-20T00:00:00Z");
  const id = (i: number) => `$dy${run}_${i}`;
  const all = Array.from({ length: 533 }, (_, i) => ({
    id: id(i),
    prevs: [i === 0 ? `$bf${run}_0` : id(i - 1)],
    depth: TOTAL + 2 + i,
    ts: DAY2 + i * 150_000,
  }));
  for (let c = 0; c < all.length; c += 25) {
    const chunk = all.slice(c, c + 25);
    await insert(db, roomId, { kind: "live" }, (c / 25) % 2 === 1 ? chunk.slice(3) : chunk);
  }
  const measure = async (limit: number) => {
    const times: number[] = [];
    let items = 0;
    let gaps = 0;
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      const page = await getDayWindow(db.prisma, { roomId, day: "2024-03-20", limit });
      times.push(performance.now() - t);
      items = page.items.filter((x) => x.kind === "event").length;
      gaps = page.items.filter((x) => x.kind === "gap").length;
    }
    return { p50: quantile(times.slice(10), 0.5), items, gaps };
  };
  const whole = await measure(1000);
  const paged = await measure(100);
  return { p50: whole.p50, p50Paged: paged.p50, items: whole.items, gaps: whole.gaps };
}

async function main() {
  const db = env.DATABASE_URL
    ? openDatabase({ url: env.DATABASE_URL, preparedStatements: env.DATABASE_PREPARED_STATEMENTS })
    : openDatabase({ dataDir: "memory://" });
  await db.migrate();
  const engine = env.DATABASE_URL ? `Postgres (prepared statements ${env.DATABASE_PREPARED_STATEMENTS ? "on" : "off"})` : "PGlite (in memory)";
  try {
    const rows = [await backfillPattern(db), await livePattern(db)];
    const day = await dayWindow(db);
    const roomEvents = await db.prisma.event.count({ where: { roomId: `!bench-backfill-${run}:example.org` } });
    console.log(`\nTimeline benchmark on ${engine}, ${TOTAL} events per pattern, batches of ${BATCH}\n`);
    console.log("| pattern | events | seconds | events/s | batch p50 ms | batch p99 ms | key bytes | largest abs(position) |");
    console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const r of rows) {
      console.log(
        `| ${r.scenario} | ${r.events} | ${r.seconds.toFixed(1)} | ${Math.round(r.perSecond)} | ${r.batchP50.toFixed(1)} | ${r.batchP99.toFixed(1)} | ${r.keyBytes} | ${r.maxAbsPosition} (${r.maxAbsPosition.toString().length} digits) |`,
      );
    }
    // A busy machine stretches the wall times; this process's CPU time varies less, and on
    // Postgres tells the client's share of a batch from the database's.
    console.log(`\nThis process's CPU time per batch: ${rows.map((r) => `${r.scenario} ${r.cpuPerBatch.toFixed(2)} ms`).join(", ")}`);
    console.log(
      `\nDay window, a day of ${day.items} events with ${day.gaps} gaps in a room of ${roomEvents} events: p50 ${day.p50.toFixed(1)} ms (whole day), ${day.p50Paged.toFixed(1)} ms (first page of 100)`,
    );
  } finally {
    // A Postgres database outlives the run: leave it as it was.
    if (env.DATABASE_URL) {
      for (const kind of ["backfill", "live"]) {
        const roomId = `!bench-${kind}-${run}:example.org`;
        await purgeRoomTimeline(db.prisma, roomId);
        await db.prisma.room.deleteMany({ where: { roomId } });
      }
    }
    await db.close();
  }
}

await main();
