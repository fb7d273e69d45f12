import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { PageCacheStore } from "@/lib/page-cache/store";

const STORE = Symbol.for("matrix-archive.page-cache");

/** Makes this process's page cache available to lib/page-cache/next-handler.js (called once at start). */
export function registerPageCache(): void {
  const mb = getEnv().PAGE_CACHE_MAX_MB;
  const slot = globalThis as unknown as Record<symbol, PageCacheStore | undefined>;
  if (mb === 0 || slot[STORE]) return;
  slot[STORE] = new PageCacheStore(getDb, mb * 1024 * 1024);
}
