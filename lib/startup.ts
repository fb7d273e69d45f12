import { getDatabase } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";

/**
 * Start-up work of a server process: validate configuration, then bring the database schema up
 * to date. Embedded PGlite can only be opened by one process, so the app migrates it itself
 * rather than relying on a separate migrate step.
 */
export async function startServer(): Promise<void> {
  const env = getEnv();
  const applied = await getDatabase().migrate();
  logger.info(
    { serverName: env.ARCHIVE_SERVER_NAME, database: env.DATABASE_URL ? "postgres" : "pglite", migrationsApplied: applied },
    "archive started",
  );
}
