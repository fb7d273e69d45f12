import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { getDatabase, getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { PageCacheStore } from "@/lib/page-cache/store";

const STORE = Symbol.for("matrix-archive.page-cache");

/**
 * Next.js's build ID of the running server: pages kept in the database are answered only by the
 * build that rendered them. This module runs from inside the build's output (`.next/server/…`),
 * so the nearest `BUILD_ID` above it is the one (or, where the bundle does not know its own
 * folder, the one of the working directory). Undefined outside a build (tests, `next dev`).
 */
function buildId(): string | undefined {
  for (const start of [import.meta.dirname, process.cwd()]) {
    for (let dir = start, i = 0; dir && i < 8; dir = path.dirname(dir), i++) {
      for (const file of [path.join(dir, "BUILD_ID"), path.join(dir, ".next", "BUILD_ID")]) {
        if (existsSync(file)) return readFileSync(file, "utf8").trim() || undefined;
      }
    }
  }
  return undefined;
}

/** Makes this process's page cache available to lib/page-cache/next-handler.js (called once at start). */
export function registerPageCache(): void {
  const { PAGE_CACHE_MAX_MB: mb, PAGE_CACHE_DISK_MB: diskMb } = getEnv();
  const slot = globalThis as unknown as Record<symbol, PageCacheStore | undefined>;
  if (mb === 0 || slot[STORE]) return;
  const build = diskMb > 0 ? buildId() : undefined;
  if (diskMb > 0 && !build) logger.info("page cache: no build ID found, so rendered pages are kept in memory only");
  slot[STORE] = new PageCacheStore(getDb, mb * 1024 * 1024, {
    disk: build ? { maxBytes: diskMb * 1024 * 1024, build } : undefined,
    localWrites: getDatabase().localWrites,
  });
}
