import { getDatabase, getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { startOperatorDenialsRefresh } from "@/lib/federation/policy";
import { ensureFederationReady } from "@/lib/federation/ready";
import { keepRateCountersIn } from "@/lib/http/rate-counter";
import { logger } from "@/lib/log";
import { registerPageCache } from "@/lib/page-cache/register";
import { noteServedRoom } from "@/lib/page-cache/served-rooms";
import { servedRoomNames } from "@/lib/archive/room-access";

/**
 * Start-up work of a server process: validate configuration, bring the database schema up to
 * date, load (or create) the federation signing key, and, unless this process only serves web
 * and federation requests (ARCHIVE_ROLE=web), start running jobs. Embedded PGlite can only be
 * opened by one process, so the app migrates it itself rather than relying on a separate
 * migrate step.
 */
export async function startServer(): Promise<void> {
  const env = getEnv();
  const applied = await getDatabase().migrate();
  ensureFederationReady();
  await startOperatorDenialsRefresh(getDb());
  registerPageCache();
  // Several instances may share a Postgres server: rate limits count for all of them there.
  if (env.DATABASE_URL) keepRateCountersIn(getDb());
  // Day pages rendered later keep this up to date; the rows give the rooms served before any is.
  if (env.ARCHIVE_ROLE !== "worker") for (const r of await servedRoomNames(getDb())) noteServedRoom(r.kind, r.name, true);
  logger.info(
    { serverName: env.ARCHIVE_SERVER_NAME, database: env.DATABASE_URL ? "postgres" : "pglite", role: env.ARCHIVE_ROLE, migrationsApplied: applied },
    "archive started",
  );
  if (env.ARCHIVE_ROLE !== "web") {
    // Not awaited: Next.js holds every request until instrumentation's register() returns, and the
    // queue's set-up (its own schema on first start) must not keep pages and federation waiting.
    void startJobs(env).catch((err: unknown) => {
      logger.fatal({ err: (err as Error).message }, "could not start running jobs; stopping");
      process.exit(1);
    });
  }
}

async function startJobs(env: ReturnType<typeof getEnv>): Promise<void> {
  // Imported here: a web-only process never loads the job handlers.
  const { startWorker } = await import("@/lib/worker/start-worker");
  const worker = await startWorker();
  // On PGlite the operator CLI reaches the database through this process (lib/archive/control-socket.ts).
  if (!env.DATABASE_URL) {
    const { controlSocketPath, startControlSocket } = await import("@/lib/archive/control-socket");
    startControlSocket({ db: getDb(), queue: worker.queue }, controlSocketPath(env.DATA_DIR));
  }
}
