import { getDatabase, getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { startOperatorDenialsRefresh } from "@/lib/federation/policy";
import { getJobQueue, JOB_KINDS, queueName, type JobKind, type JobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { HANDLERS, keepRooms, type HandlerContext } from "@/lib/worker/handlers";

// The worker role: runs the archive's jobs (lib/jobs/queue.ts, docs/jobs.md). Any number of
// worker processes may share one Postgres; each runs at most JOB_CONCURRENCY jobs at once, and
// the queue gives each job to one of them. At start a worker queues what keeps the archive
// whole: the rooms of ARCHIVE_ROOMS, a catch-up of every joined room (what was missed while no
// worker ran), the directory crawl when enabled, and the schedules that repeat them.

// Pollers per kind (each takes one job at a time); the process-wide slot count bounds them together.
const POLLERS: Record<JobKind, number> = {
  join: 1,
  backfill: 2,
  "fill-day": 2,
  "fill-gap": 2,
  "catch-up": 1,
  "purge-sweep": 1,
  crawl: 1,
  "catch-up-all": 1,
};

// Kinds a reader waits for are polled more often.
const POLL_SECONDS: Partial<Record<JobKind, number>> = { "fill-gap": 0.5, "fill-day": 0.5, join: 1 };
// Where this process is the database's only client (embedded PGlite), every job is queued here
// and wakes its poller at once (JobQueue.work), so polling only finds retries and schedules come
// due; each poll is a write on the one connection the pages use too.
const ONLY_CLIENT_POLL_SECONDS = 10;

function pollSeconds(kind: JobKind): number {
  return getDatabase().localWrites ? ONLY_CLIENT_POLL_SECONDS : (POLL_SECONDS[kind] ?? 2);
}

const SCHEDULES: Array<{ kind: JobKind; cron: () => string; when?: () => boolean }> = [
  { kind: "catch-up-all", cron: () => `*/${getEnv().CATCH_UP_EVERY_MINUTES} * * * *`, when: () => getEnv().CATCH_UP_EVERY_MINUTES > 0 },
  { kind: "crawl", cron: () => "17 * * * *", when: () => getEnv().ARCHIVE_CRAWL_DIRECTORIES },
];

/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
function slots(size: number) {
  let free = size;
  const waiting: Array<() => void> = [];
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (free > 0) free--;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await fn();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free++;
      }
    },
  };
}

export interface RunningWorker {
  queue: JobQueue;
  stop(): Promise<void>;
}

export async function startWorker(): Promise<RunningWorker> {
  const env = getEnv();
  const db = getDb();
  await startOperatorDenialsRefresh(db);
  const queue = await getJobQueue();
  const ctx: HandlerContext = { db, queue };
  const limit = slots(env.JOB_CONCURRENCY);
  for (const kind of JOB_KINDS) {
    for (let i = 0; i < POLLERS[kind]; i++) {
      await queue.work(kind, { pollingIntervalSeconds: pollSeconds(kind) }, async (job) =>
        limit.run(async () => {
          const started = Date.now();
          try {
            const output = await HANDLERS[kind](ctx, job.data as Record<string, unknown>);
            logger.debug({ kind, jobId: job.id, ms: Date.now() - started }, "job done");
            return output;
          } catch (err) {
            logger.warn({ kind, jobId: job.id, data: job.data, err: (err as Error).message }, "job failed; the queue retries it with backoff");
            throw err;
          }
        }),
      );
    }
  }
  for (const s of SCHEDULES) {
    if (s.when && !s.when()) await queue.boss.unschedule(queueName(s.kind));
    else await queue.boss.schedule(queueName(s.kind), s.cron(), {}, { singletonKey: s.kind === "crawl" ? "crawl" : "all", tz: "UTC" });
  }
  const kept = await keepRooms(ctx);
  // What was missed while no worker ran: rooms joined from now on are joined with current state.
  await queue.enqueue("catch-up-all", { joinedBefore: Date.now() });
  if (env.ARCHIVE_CRAWL_DIRECTORIES) await queue.enqueue("crawl", {});
  logger.info({ concurrency: env.JOB_CONCURRENCY, roomsToJoin: kept }, "worker started");
  return { queue, stop: () => queue.stop() };
}
