import { expect, test } from "@playwright/test";
import { dayPagePath, roomBasePath } from "../lib/archive/room-paths";
import { isoDate } from "../lib/archive/day-range";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";
import { checkHonestGaps, checkShape, checkStability, checkTopology, snapshot, type Snapshot } from "../lib/timeline/testing/invariants";
import type { ArchiveProcess } from "../scripts/archive/server";
import type { Testbed } from "../scripts/testbed/index";
import { readDay } from "./fixtures/day-reader";
import { useTestbed } from "./fixtures/testbed";

// The archive as a service on a Postgres server: two web and two worker processes share one
// database. A room of several thousand events on a real Synapse is joined through one web
// process; its backfill runs as a chain of bounded jobs on the workers; the worker running a step
// is SIGKILLed in the middle of it, and the other worker takes the room over (once the killed
// job's lease expires) and finishes. Then every event Synapse holds is stored once, the timeline
// invariants hold (also across the crash), and both web processes serve the same day pages.

test.describe.configure({ mode: "serial" });

const MESSAGES = 3_000;
/** Small steps, so that the backfill is a chain of several jobs and a crash lands inside one. */
const STEP_EVENTS = 500;

let bed: Testbed;
const testbed = useTestbed({ homeservers: 1 }, (ready) => ({ bed } = ready));

let db: PostgresTestDatabase;
let databaseUrl: string;
test.beforeAll(async () => {
  db = await createTestDatabase("postgres");
  databaseUrl = db.url;
});
test.afterAll(async () => {
  await db?.close();
});

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface JobRow {
  id: string;
  state: string;
  retry_count: number;
  started_on: Date | null;
}

test("two web and two worker processes on Postgres archive a 3,000-message room; a worker SIGKILLed mid-backfill is taken over", async ({ page }, testInfo) => {
  test.setTimeout(15 * 60_000);
  const t0 = Date.now();
  const log = (line: string) => console.log(`[${seconds(Date.now() - t0)}] ${line}`);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice", { admin: true });
  const roomId = await alice.createRoom({ alias: "big", roomVersion: "11", name: "Big room", topic: "Several thousand messages" });
  const alias = `#big:${hs1.serverName}`;

  // Seeding and starting the four processes overlap: neither needs the other yet.
  const [, deployment] = await Promise.all([
    (async () => {
      const started = Date.now();
      await alice.sendMessages(roomId, MESSAGES, { concurrency: 8, prefix: "big" });
      // Concurrent sends fork the DAG; a last message in line joins the branches, so that every
      // event is an ancestor of the room's newest one and a backfill from there can reach it.
      await alice.sendMessages(roomId, ["the last word", "after the last word"], { concurrency: 1 });
      log(`seeded ${MESSAGES + 2} messages in ${seconds(Date.now() - started)}`);
      const extremities = await alice.request<{ count: number }>("GET", `/_synapse/admin/v1/rooms/${encodeURIComponent(roomId)}/forward_extremities`);
      expect(extremities.count, "Synapse's room has one forward extremity after seeding").toBe(1);
    })(),
    testbed.startDeployment({
      name: "multi",
      logDir: testInfo.outputDir,
      databaseUrl,
      webs: 2,
      workers: 2,
      env: { BACKFILL_STEP_EVENTS: String(STEP_EVENTS), BACKFILL_PAUSE_SECONDS: "1", JOB_CONCURRENCY: "4" },
    }),
  ]);
  const [web1, web2] = deployment.webs;
  if (!web1 || !web2) throw new Error("two web processes expected");
  log("two web and two worker processes are up");

  const eventCount = () => db.prisma.event.count({ where: { roomId } });
  const backfillJobs = (state?: string) =>
    db.prisma.$queryRawUnsafe<JobRow[]>(
      `SELECT id::text, state::text, retry_count, started_on FROM pgboss.job WHERE name = 'archive.backfill' AND data->>'roomId' = $1 ${state ? "AND state = $2::pgboss.job_state" : ""}`,
      ...(state ? [roomId, state] : [roomId]),
    );

  const joined = await web1.admin<{ status: string; roomId: string }>("join", { room: alias });
  expect(joined).toMatchObject({ status: "joined", roomId });
  log(`joined through web1; ${await eventCount()} events stored by the join`);

  // Mid-backfill: at least one step done, the room's backfill not finished.
  await expect
    .poll(
      async () => {
        const progress = await db.prisma.backfillProgress.findUnique({ where: { roomId } });
        return progress !== null && progress.finished === null && progress.steps >= 1;
      },
      { timeout: 180_000, intervals: [250] },
    )
    .toBe(true);
  log(`backfill running: ${await eventCount()} events stored`);

  // Which worker runs the step now? Freeze the other one: if the room still grows, it is this one.
  // The kill comes while the other is still frozen, so the job the killed worker held is the only
  // active backfill job, and the snapshot taken then sees no writer at all.
  let victim: ArchiveProcess | undefined;
  let killedJob: JobRow | undefined;
  let before: Snapshot | undefined;
  // A window ends at the first insert seen (sampled every 200 ms), so the kill lands inside the
  // running step even on a quiet machine, where a 500-event step takes about a second; a window
  // with no insert (the frozen worker holds the step, or a pause between steps) tries the other.
  for (let probe = 0; probe < 30 && !victim; probe++) {
    const candidate = deployment.workers[probe % 2]!;
    const other = deployment.workers[(probe + 1) % 2]!;
    other.pause();
    try {
      // A batch the frozen worker had already sent may still commit: let it land first.
      await sleep(500);
      const c0 = await eventCount();
      for (let t = 0; t < 30 && !victim; t++) {
        await sleep(200);
        if ((await eventCount()) <= c0) continue;
        const [active] = await backfillJobs("active");
        if (!active) continue;
        await candidate.kill();
        victim = candidate;
        killedJob = (await backfillJobs()).find((j) => j.id === active.id);
        before = await snapshot(db.prisma, roomId);
      }
    } finally {
      other.resume();
    }
    const progress = await db.prisma.backfillProgress.findUnique({ where: { roomId } });
    if (!victim && progress?.finished) throw new Error(`the backfill finished (${progress.finished}) before a probe caught a worker inside a step`);
  }
  if (!victim || !before) throw new Error("found no worker running the room's backfill within 30 probes");
  expect(killedJob?.state, "the killed worker's job is still active (its lease has not expired)").toBe("active");
  const stored = before.events.size;
  log(`SIGKILLed worker ${deployment.workers.indexOf(victim) + 1} in the middle of backfill job ${killedJob?.id} with ${stored} events stored`);
  expect(stored).toBeLessThan(MESSAGES);
  const killedAt = Date.now();

  // The survivor finishes: after the lease of the killed job expires, it is retried there.
  await expect
    .poll(async () => (await db.prisma.backfillProgress.findUnique({ where: { roomId } }))?.finished ?? "running", {
      timeout: 10 * 60_000,
      intervals: [1_000],
    })
    .toBe("complete");
  log(`backfill complete ${seconds(Date.now() - killedAt)} after the kill`);
  const retried = await db.prisma.$queryRawUnsafe<JobRow[]>(
    `SELECT id::text, state::text, retry_count, started_on FROM pgboss.job WHERE id = $1::uuid UNION ALL SELECT id::text, state::text, retry_count, started_on FROM pgboss.archive WHERE id = $1::uuid`,
    killedJob!.id,
  );
  expect(
    retried.map((j) => ({ state: j.state, retried: j.retry_count >= 1 })),
    "the killed job was retried and completed",
  ).toEqual([{ state: "completed", retried: true }]);
  const failed = await db.prisma.$queryRawUnsafe<{ name: string; output: unknown }[]>(`SELECT name, output FROM pgboss.job WHERE state = 'failed'`);
  expect(failed, "no job failed for good").toEqual([]);

  // Every event Synapse holds, stored once; nothing else.
  const synapse = await alice.timeline(roomId, { maxEvents: MESSAGES + 500 });
  const synapseIds = synapse.map((e) => e.event_id);
  const rows = await db.prisma.event.findMany({ where: { roomId }, select: { eventId: true, rejectedReason: true, type: true } });
  expect(rows.filter((r) => r.rejectedReason !== null)).toEqual([]);
  expect(rows.map((r) => r.eventId).sort()).toEqual([...new Set(synapseIds)].sort());
  expect(rows.filter((r) => r.type === "m.room.message")).toHaveLength(MESSAGES + 2);

  // The timeline invariants, and stability across the crash and the take-over.
  const after = await snapshot(db.prisma, roomId);
  checkShape(after);
  checkTopology(after);
  checkHonestGaps(after, new Set());
  checkStability(before, after);
  expect(
    after.items.filter((i) => i.kind === "gap"),
    "no gap is left: Synapse holds the whole history",
  ).toEqual([]);
  log(`${after.events.size} events stored once; invariants hold`);

  // The operator's view, from the CLI on the same database.
  const listed = (await deployment.rooms()).find((r) => r.roomId === roomId);
  expect(listed).toMatchObject({ status: "joined", events: after.events.size, openGaps: 0, backfill: { finished: "complete", progress: 1 } });

  // Both web processes serve the same day pages, with every message on them.
  const room = await db.prisma.room.findUniqueOrThrow({ where: { roomId }, select: { roomId: true, canonicalAlias: true } });
  const messages = await db.prisma.event.findMany({ where: { roomId, type: "m.room.message" }, select: { eventId: true, originServerTs: true } });
  const days = [...new Set(messages.map((m) => isoDate(Number(m.originServerTs))))].sort();
  const shown = new Set<string>();
  const second = await page.context().newPage();
  for (const day of days) {
    const path = dayPagePath(roomBasePath(room), day);
    // Both at once, each in its own tab: they are two servers.
    const [one, two] = await Promise.all([readDay(page, `${web1.url}${path}`, { maxPages: 40 }), readDay(second, `${web2.url}${path}`, { maxPages: 40 })]);
    expect(two.items, `web2 serves ${day} as web1 does`).toEqual(one.items);
    expect(one.gaps).toEqual([]);
    for (const id of one.messages) shown.add(id);
    log(`${day}: ${one.messages.length} messages on ${one.pages.length} pages, the same from both web processes`);
  }
  expect(shown.size).toBe(messages.length);
});
