import { RateLimiterMemory, RateLimiterPrisma, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Db } from "@/lib/db";

// The counters behind the archive's rate limits (docs/limits.md): a reader's federation work per
// minute, a federation origin's requests per window. With several instances on one Postgres
// server, a limit must hold for the deployment, not for each process (else N instances allow N
// times as much), so there the counters live in the database (`rate_limits`), through
// rate-limiter-flexible's Prisma store and the app's one Prisma client. Should the database not
// answer, counting goes on in this process's memory (the library's insurance limiter) rather
// than letting everything through or refusing everyone. On embedded PGlite there is one process
// only, and counters stay in memory, where they cost nothing.
//
// The database is registered at start (keepRateCountersIn, from lib/startup.ts) rather than
// imported here: proxy.ts counts readers too, and its bundle must not carry a second copy of the
// database client. Limits are made on first use, after start-up.

export interface RateCounterOptions {
  /** Names the limit: keys of different limits never meet. */
  keyPrefix: string;
  points: number;
  durationSeconds: number;
}

const KEY = Symbol.for("matrix-archive.rate-counter-db");
const holder = globalThis as unknown as { [KEY]?: Db };

/** Counters made from now on live in this database (a Postgres server shared by every instance). */
export function keepRateCountersIn(db: Db): void {
  holder[KEY] = db;
}

/** A counter for one limit: in the registered database if there is one (else, or with `db: null`, in memory). */
export function rateCounter(options: RateCounterOptions, db: Db | null | undefined = holder[KEY]): RateLimiterAbstract {
  const memory = new RateLimiterMemory({ keyPrefix: options.keyPrefix, points: options.points, duration: options.durationSeconds });
  if (!db) return memory;
  return new RateLimiterPrisma({
    storeClient: db,
    tableName: "rateLimit",
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
    insuranceLimiter: memory,
  });
}
