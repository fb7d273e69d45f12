import PgBoss from "pg-boss";
import { z } from "zod";
import { getDatabase, type Database } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";

// The archive's background work as durable jobs in Postgres (docs/jobs.md), through pg-boss: it
// keeps its tables in the archive's own database (schema `pgboss`), takes a caller's SQL function
// (so it runs on embedded PGlite, which has no wire protocol) as well as a Postgres URL, and gives
// what the work needs: one queued and one running job per key ("stately" queues, so a second
// request for the same room and kind joins the first), retries with exponential backoff, and
// expiry of jobs whose process died (SIGKILL) so another worker takes them over.
//
// This module only sends, finds and waits for jobs; lib/worker runs them.

const room = z.string().min(2).max(255);

/** Each kind of job and its payload. */
export const JOB_PAYLOADS = {
  /** Join a room (alias or ID) and keep it; then its backfill is queued. */
  join: z.object({ room, via: z.array(z.string().max(255)).max(20).default([]) }),
  /** One bounded step of a room's backfill toward its creation; queues the next one. */
  backfill: z.object({ roomId: room }),
  /** Fill one day of a room (its first view). `start`/`end` are the day's bounds in ms. */
  "fill-day": z.object({ roomId: room, start: z.number().int(), end: z.number().int() }),
  /** A reader's "Load missing messages" on one gap. */
  "fill-gap": z.object({ roomId: room, gapId: z.string().regex(/^\d{1,19}$/) }),
  /** What the archive missed while it was away: the resident servers' newest events. */
  "catch-up": z.object({ roomId: room }),
  /** Delete what late writers stored for a room after it was purged. */
  "purge-sweep": z.object({ roomId: room, at: z.number().int().nonnegative().optional() }),
  /** Join every world-readable room in DIRECTORY_SERVERS' directories (ARCHIVE_CRAWL_DIRECTORIES). */
  crawl: z.object({}),
  /**
   * Queue a catch-up for every room joined before `joinedBefore` (ms; default: when the job runs),
   * periodically and at a worker's start: a room joined since has the state its join brought.
   */
  "catch-up-all": z.object({ joinedBefore: z.number().int().nonnegative().optional() }),
} as const;

export type JobKind = keyof typeof JOB_PAYLOADS;
type JobPayload<K extends JobKind> = z.input<(typeof JOB_PAYLOADS)[K]>;
export const JOB_KINDS = Object.keys(JOB_PAYLOADS) as JobKind[];

interface KindOptions {
  /** What makes two jobs of this kind the same work (one queued, one running at most). */
  key(payload: Record<string, unknown>): string;
  retryLimit: number;
  /** Seconds before the first retry; doubled each time (pg-boss's retryBackoff). */
  retryDelay: number;
  /** A running job not finished after this long is taken to be dead and retried elsewhere. */
  expireInSeconds: number;
}

const byRoom = (p: Record<string, unknown>) => String(p.roomId ?? p.room);

// Expiry bounds how long a SIGKILLed job waits before another worker retries it; each kind's work is
// bounded well below it (a backfill step runs at most BACKFILL_STEP_SECONDS).
const KIND_OPTIONS: Record<JobKind, KindOptions> = {
  join: { key: byRoom, retryLimit: 6, retryDelay: 30, expireInSeconds: 300 },
  // A step is cheap to repeat and remote failures are backed off per server anyway: a killed step
  // is retried within about two minutes (lease, then maintenance, then a short delay).
  backfill: { key: byRoom, retryLimit: 12, retryDelay: 5, expireInSeconds: 90 },
  "fill-day": { key: (p) => `${byRoom(p)}|${String(p.start)}`, retryLimit: 2, retryDelay: 30, expireInSeconds: 120 },
  "fill-gap": { key: (p) => `${byRoom(p)}|${String(p.gapId)}`, retryLimit: 1, retryDelay: 10, expireInSeconds: 120 },
  "catch-up": { key: byRoom, retryLimit: 6, retryDelay: 60, expireInSeconds: 120 },
  "purge-sweep": { key: (p) => `${byRoom(p)}|${String(p.at ?? 0)}`, retryLimit: 3, retryDelay: 60, expireInSeconds: 120 },
  crawl: { key: () => "crawl", retryLimit: 2, retryDelay: 300, expireInSeconds: 600 },
  "catch-up-all": { key: () => "all", retryLimit: 2, retryDelay: 60, expireInSeconds: 300 },
};

const QUEUE_PREFIX = "archive.";
export const queueName = (kind: JobKind) => `${QUEUE_PREFIX}${kind}`;

type JobState = "created" | "retry" | "active" | "completed" | "cancelled" | "failed";

export interface JobInfo {
  id: string;
  kind: JobKind;
  state: JobState;
  key: string | null;
  data: unknown;
  output: unknown;
  retryCount: number;
  createdOn: Date;
  startedOn: Date | null;
  completedOn: Date | null;
}

export interface JobQueue {
  boss: PgBoss;
  /**
   * Queues a job, or finds the one already queued or running for the same key: `joined` says
   * which. Never call it inside a room-locked transaction on PGlite (one connection: it would wait
   * for the transaction that waits for it).
   */
  enqueue<K extends JobKind>(kind: K, payload: JobPayload<K>, options?: EnqueueOptions): Promise<{ id: string; joined: boolean }>;
  /** A job by ID (running, queued or finished), or null. */
  get(kind: JobKind, id: string): Promise<JobInfo | null>;
  /**
   * Polls until the job has finished (completed, failed or cancelled) or `timeoutMs` passed; with
   * `untilRetry`, also when a try failed and the job waits for its retry.
   */
  wait(kind: JobKind, id: string, timeoutMs: number, options?: { untilRetry?: boolean }): Promise<JobInfo | null>;
  /** Jobs not yet finished, for the operator (optionally one room's). */
  pending(roomId?: string): Promise<JobInfo[]>;
  /**
   * Runs jobs of one kind, one at a time, in this process. The poller asks the queue every
   * `pollingIntervalSeconds` while it is idle, at once after a job (a backlog drains without a
   * wait between jobs), and at once when this process queues a job of its kind (`enqueue`), so
   * a long interval delays only jobs queued elsewhere, retries and schedules.
   */
  work(kind: JobKind, options: { pollingIntervalSeconds: number }, handler: (job: PgBoss.Job<object>) => Promise<unknown>): Promise<string>;
  stop(): Promise<void>;
}

interface EnqueueOptions {
  startAfterSeconds?: number;
  /**
   * Join only a job that has not started: a job queueing its own successor (the next backfill
   * step) must not find itself.
   */
  notRunning?: boolean;
}

export interface OpenQueueOptions {
  /**
   * Whether this process also keeps the queue's house: expires jobs of dead workers, archives
   * finished ones and fires schedules. Workers do; a web-only process need not.
   */
  supervise: boolean;
}

const SCHEMA = "pgboss";

const DEFINE_ATTEMPTS = 8;

/**
 * Creates the missing queues and brings every queue's options to this version's. Processes that
 * start together on a fresh database race in pg-boss's create_queue (a partition table per
 * queue), which Postgres resolves by failing one with a deadlock or a duplicate: that one waits a
 * moment and tries again, finding what the other created.
 */
async function defineQueues(boss: PgBoss): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = new Set((await boss.getQueues()).map((q) => q.name));
      for (const kind of JOB_KINDS) {
        const o = KIND_OPTIONS[kind];
        const options = {
          name: queueName(kind),
          policy: "stately" as const,
          retryLimit: o.retryLimit,
          retryDelay: o.retryDelay,
          retryBackoff: true,
          expireInSeconds: o.expireInSeconds,
        };
        if (!existing.has(queueName(kind))) await boss.createQueue(queueName(kind), options);
        await boss.updateQueue(queueName(kind), options);
      }
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const race = code === "40P01" || code === "23505" || code === "42P07";
      if (!race || attempt >= DEFINE_ATTEMPTS) throw err;
      logger.info({ attempt, code }, "another process is creating the job queues; trying again");
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800 * attempt));
    }
  }
}

export async function openJobQueue(database: Database, options: OpenQueueOptions): Promise<JobQueue> {
  const connection = database.jobConnection;
  const common = {
    schema: SCHEMA,
    supervise: options.supervise,
    schedule: options.supervise,
    // Expired jobs of a killed worker are noticed at the next maintenance run.
    maintenanceIntervalSeconds: 15,
    archiveCompletedAfterSeconds: 24 * 3600,
    deleteAfterDays: 7,
  };
  const boss =
    "url" in connection
      ? new PgBoss({ ...common, connectionString: connection.url, max: 4, application_name: "archive-jobs" })
      : new PgBoss({ ...common, db: connection });
  boss.on("error", (err: Error) => logger.warn({ err: err.message }, "job queue error"));
  await boss.start();
  await defineQueues(boss);
  const exec = async <T>(text: string, values: unknown[]): Promise<T[]> => {
    const db = boss.getDb() as unknown as { executeSql(text: string, values?: unknown[]): Promise<{ rows: T[] }> };
    return (await db.executeSql(text, values)).rows;
  };

  const findOpen = async (kind: JobKind, key: string, notRunning: boolean): Promise<string | undefined> => {
    const rows = await exec<{ id: string }>(
      `SELECT id FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < $3::${SCHEMA}.job_state ORDER BY state DESC, created_on LIMIT 1`,
      [queueName(kind), key, notRunning ? "active" : "completed"],
    );
    return rows[0]?.id;
  };

  const toInfo = (row: Record<string, unknown>): JobInfo => ({
    id: String(row.id),
    kind: String(row.name).slice(QUEUE_PREFIX.length) as JobKind,
    state: row.state as JobState,
    key: (row.singleton_key as string | null) ?? null,
    data: row.data,
    output: row.output ?? null,
    retryCount: Number(row.retry_count ?? 0),
    createdOn: new Date(row.created_on as string),
    startedOn: row.started_on ? new Date(row.started_on as string) : null,
    completedOn: row.completed_on ? new Date(row.completed_on as string) : null,
  });
  const COLUMNS = "id, name, state, singleton_key, data, output, retry_count, created_on, started_on, completed_on";

  const get = async (kind: JobKind, id: string): Promise<JobInfo | null> => {
    const rows = await exec<Record<string, unknown>>(`SELECT ${COLUMNS} FROM ${SCHEMA}.job WHERE name = $1 AND id = $2::uuid`, [queueName(kind), id]);
    if (rows[0]) return toInfo(rows[0]);
    const archived = await exec<Record<string, unknown>>(`SELECT ${COLUMNS} FROM ${SCHEMA}.archive WHERE name = $1 AND id = $2::uuid`, [queueName(kind), id]);
    return archived[0] ? toInfo(archived[0]) : null;
  };

  // This process's pollers by kind: woken when it queues a job they could take.
  const localWorkers = new Map<JobKind, string[]>();
  const wake = (kind: JobKind) => {
    for (const id of localWorkers.get(kind) ?? []) boss.notifyWorker(id);
  };

  return {
    boss,
    async enqueue(kind, payload, opts = {}) {
      const data = JOB_PAYLOADS[kind].parse(payload) as Record<string, unknown>;
      const key = KIND_OPTIONS[kind].key(data);
      // Bounded: each round either finds the open job or sends one; a race with another sender
      // that finished its job in between is the only reason for another round.
      for (let attempt = 0; attempt < 5; attempt++) {
        const open = await findOpen(kind, key, opts.notRunning ?? false);
        if (open) return { id: open, joined: true };
        const id = await boss.send(queueName(kind), data, { singletonKey: key, startAfter: opts.startAfterSeconds ?? 0 });
        if (id) {
          if (!opts.startAfterSeconds) wake(kind);
          return { id, joined: false };
        }
      }
      throw new Error(`could not queue ${kind} for ${key}`);
    },
    get,
    async wait(kind, id, timeoutMs, options = {}) {
      const deadline = Date.now() + timeoutMs;
      for (let round = 0; round < 100_000; round++) {
        const info = await get(kind, id);
        if (!info || info.state === "completed" || info.state === "failed" || info.state === "cancelled") return info;
        if (options.untilRetry && info.state === "retry") return info;
        if (Date.now() >= deadline) return info;
        await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 + round * 25, Math.max(0, deadline - Date.now()))));
      }
      return get(kind, id);
    },
    async pending(roomId) {
      const rows = await exec<Record<string, unknown>>(
        `SELECT ${COLUMNS} FROM ${SCHEMA}.job WHERE name LIKE '${QUEUE_PREFIX}%' AND state < 'completed' AND ($1::text IS NULL OR data->>'roomId' = $1 OR data->>'room' = $1) ORDER BY created_on LIMIT 500`,
        [roomId ?? null],
      );
      return rows.map(toInfo);
    },
    async work(kind, options, handler) {
      let id = "";
      id = await boss.work(queueName(kind), { pollingIntervalSeconds: options.pollingIntervalSeconds }, async ([job]: PgBoss.Job<object>[]) => {
        if (!job) return undefined;
        try {
          return await handler(job);
        } finally {
          // There may be more: ask again without the idle wait.
          boss.notifyWorker(id);
        }
      });
      localWorkers.set(kind, [...(localWorkers.get(kind) ?? []), id]);
      return id;
    },
    stop: () => boss.stop({ graceful: true, wait: true, timeout: 10_000 }),
  };
}

// One queue per process, opened on first use over the app's database. A process that runs jobs
// (role all or worker) also keeps the queue's house.
const globalForQueue = globalThis as unknown as { archiveJobQueue?: Promise<JobQueue> };

export function getJobQueue(): Promise<JobQueue> {
  if (!globalForQueue.archiveJobQueue) {
    globalForQueue.archiveJobQueue = openJobQueue(getDatabase(), { supervise: getEnv().ARCHIVE_ROLE !== "web" }).catch((err: unknown) => {
      globalForQueue.archiveJobQueue = undefined;
      throw err;
    });
  }
  return globalForQueue.archiveJobQueue;
}
