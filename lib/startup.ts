import { getDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { ensureFederationReady } from "@/lib/federation/ready";
import { logger } from "@/lib/log";

/**
 * Start-up work of a server process: validate configuration, bring the database schema up to
 * date, and load (or create) the federation signing key. Embedded PGlite can only be opened by
 * one process, so the app migrates it itself rather than relying on a separate migrate step.
 */
export async function startServer(): Promise<void> {
  const env = getEnv();
  const applied = await getDatabase().migrate();
  ensureFederationReady();
  logger.info({ serverName: env.ARCHIVE_SERVER_NAME, database: env.DATABASE_URL ? "postgres" : "pglite", migrationsApplied: applied }, "archive started");
}
