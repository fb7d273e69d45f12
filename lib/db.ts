import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite, type QueryOptions, type Results, type Transaction } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { statementNamer } from "@/lib/db-statements";
import { getEnv, type Env } from "@/lib/env";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { migrate, type SqlRunner } from "@/lib/migrate";
import { chooseWasmCompilers } from "@/lib/wasm-compiler";

export type Db = PrismaClient;

export interface Database {
  prisma: Db;
  /** Applies pending migrations (the project's, or those of another folder) to this database. */
  migrate(dir?: string): Promise<string[]>;
  /** How the job queue (lib/jobs) reaches this database. */
  jobConnection: JobConnection;
  /**
   * Embedded PGlite only, where this process is the database's one client: how many statements
   * and transactions that may have written have finished so far. While it stands still, nothing
   * was committed, so what was read before still holds (the page cache's fast path relies on it).
   */
  localWrites?: () => number;
  close(): Promise<void>;
}

/**
 * A Postgres URL (the queue opens its own small pool), or a function that runs SQL on embedded
 * PGlite, which has no wire protocol and serialises every statement with the app's own queries.
 */
type JobConnection = { url: string } | { executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> };

export interface DatabaseOptions {
  /** A Postgres URL; when absent, embedded PGlite is used. */
  url?: string;
  /** PGlite data directory, or `memory://` for an in-memory database. */
  dataDir?: string;
  /** PGlite's shared_buffers in MiB (Postgres's own default is 128). */
  pgliteSharedBuffersMb?: number;
  /**
   * Postgres only: run statements as named (server-side prepared) statements, so that hot ones
   * are parsed once per connection and may keep a generic plan (lib/db-statements.ts). Default
   * true; off for a pooler that cannot carry them (DATABASE_PREPARED_STATEMENTS).
   */
  preparedStatements?: boolean;
}

// PGlite's memory is a WebAssembly memory, which grows and never shrinks: whatever a step
// touched once stays resident for the life of the process. Two steps touch far more than
// serving does. initdb (the first start on an empty folder) leaves about 800 MiB behind, so it
// runs in a short-lived child process whose memory goes back to the system when it exits; and
// Postgres's default 128 MiB of shared buffers are a second page cache over the files, which
// the operating system caches already, so the archive asks for less (PGLITE_SHARED_BUFFERS_MB).
function pgliteParams(sharedBuffersMb: number | undefined): string[] {
  return sharedBuffersMb === undefined ? PGlite.defaultStartParams : [...PGlite.defaultStartParams, "-c", `shared_buffers=${sharedBuffersMb}MB`];
}

// A statement that can only read: Prisma's reads outside transactions. Anything else counts as a
// possible write (writing CTEs, DML, DDL, a script of several statements).
const READ_ONLY = /^\s*SELECT\b/i;

/**
 * PGlite counting the statements and transactions that may have written, as each finishes
 * (failed ones too: counting too many only costs a read). A transaction counts when it has
 * committed, before its caller goes on, so a reader that sees the count unchanged since it
 * last read the database knows no write committed in between.
 */
class WriteCountingPGlite extends PGlite {
  writes = 0;

  override async query<T>(query: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> {
    try {
      return await super.query<T>(query, params, options);
    } finally {
      if (!READ_ONLY.test(query)) this.writes++;
    }
  }

  override async exec(query: string, options?: QueryOptions): Promise<Array<Results>> {
    try {
      return await super.exec(query, options);
    } finally {
      this.writes++;
    }
  }

  override async transaction<T>(callback: (tx: Transaction) => Promise<T>): Promise<T> {
    try {
      return await super.transaction(callback);
    } finally {
      this.writes++;
    }
  }
}

const INITDB_SCRIPT = `
const { PGlite } = await import("@electric-sql/pglite");
const lite = new PGlite(process.argv[1]);
await lite.waitReady;
await lite.close();
`;

/** Creates a new PGlite data folder in a child process; false when that could not be done (the caller then creates it itself). */
function initPgliteInChild(dataDir: string): boolean {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", INITDB_SCRIPT, dataDir], {
    cwd: process.cwd(),
    stdio: ["ignore", "ignore", "pipe"],
    timeout: 120_000,
  });
  return result.status === 0 && existsSync(path.join(dataDir, "PG_VERSION"));
}

/**
 * Opens a database. The app uses the singleton from getDb(); tests and scripts open their own.
 * Postgres goes through @prisma/adapter-pg; PGlite runs in-process (one process may hold a
 * PGlite data directory at a time, which is why the app migrates it itself at start).
 */
export function openDatabase(options: DatabaseOptions): Database {
  if (options.url) {
    const url = options.url;
    // JIT off on every connection: the archive's statements are short index work, and a plan
    // estimated costly (a room just filled, before ANALYZE) compiled for tens of milliseconds,
    // up to a second, to run for one. PGlite has no JIT.
    const statementNameGenerator = (options.preparedStatements ?? true) ? statementNamer() : undefined;
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, options: "-c jit=off" }, { statementNameGenerator }) });
    return {
      prisma,
      async migrate(dir) {
        // Session-level advisory locks need one connection, not a pool.
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          return await migrate(
            {
              exec: async (sql) => void (await client.query(sql)),
              query: async (sql, params) => (await client.query(sql, params)).rows,
            },
            dir,
          );
        } finally {
          await client.end();
        }
      },
      jobConnection: { url },
      close: () => prisma.$disconnect(),
    };
  }
  const dataDir = options.dataDir ?? "memory://";
  if (!dataDir.startsWith("memory://")) {
    mkdirSync(dataDir, { recursive: true });
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) initPgliteInChild(dataDir);
  }
  const lite = new WriteCountingPGlite(dataDir, { startParams: pgliteParams(options.pgliteSharedBuffersMb) });
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(lite) });
  const runner: SqlRunner = {
    exec: async (sql) => void (await lite.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await lite.query<T>(sql, params)).rows,
  };
  return {
    prisma,
    migrate: (dir) => migrate(runner, dir),
    jobConnection: {
      // A script of several statements (the queue's own migrations and maintenance, which wrap
      // themselves in BEGIN … COMMIT) has no parameters and needs the simple protocol.
      async executeSql(text, values) {
        if (values && values.length > 0) return lite.query(text, values);
        const results = await lite.exec(text);
        return results.at(-1) ?? { rows: [] };
      },
    },
    localWrites: () => lite.writes,
    async close() {
      await prisma.$disconnect();
      await lite.close();
    },
  };
}

// Survives Next.js dev-server module reloads, so the process never opens PGlite twice.
const globalForDb = globalThis as unknown as { archiveDatabase?: Database };

/** What the app's configuration asks openDatabase for. */
export function databaseOptions(env: Env): DatabaseOptions {
  return env.DATABASE_URL
    ? { url: env.DATABASE_URL, preparedStatements: env.DATABASE_PREPARED_STATEMENTS }
    : { dataDir: path.resolve(env.DATA_DIR, "pglite"), pgliteSharedBuffersMb: env.PGLITE_SHARED_BUFFERS_MB };
}

export function getDatabase(): Database {
  if (!globalForDb.archiveDatabase) {
    const env = getEnv();
    // Before PGlite and Prisma compile their WebAssembly (lib/wasm-compiler.ts).
    chooseWasmCompilers(env.WASM_OPTIMIZING_COMPILER);
    globalForDb.archiveDatabase = openDatabase(databaseOptions(env));
  }
  return globalForDb.archiveDatabase;
}

/** The one Prisma client of the app. */
export function getDb(): Db {
  return getDatabase().prisma;
}
