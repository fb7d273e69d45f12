// Next.js's incremental cache handler (next.config.js `cacheHandler`), loaded by the server
// outside the app bundle. It only forwards to the PageCacheStore the app registers at start
// (lib/page-cache/register.ts, from instrumentation.ts): that store reads the database the app
// opened. Before registration (next build) it caches nothing. Only rendered pages are kept;
// data-cache entries (unstable_cache, used by pages to declare their tags) are never stored.
const STORE = Symbol.for("matrix-archive.page-cache");

export default class ArchivePageCacheHandler {
  /** @returns {import("./store").PageCacheStore | undefined} */
  store() {
    return globalThis[STORE];
  }

  async get(key, ctx) {
    const store = this.store();
    if (!store || ctx?.kind !== "APP_PAGE") return null;
    return store.get(key);
  }

  async set(key, data, ctx) {
    const store = this.store();
    if (!store || ctx?.fetchCache) return;
    store.set(key, data, ctx?.cacheControl);
  }

  async revalidateTag(tags) {
    await this.store()?.revalidateTags(typeof tags === "string" ? [tags] : tags);
  }

  resetRequestCache() {}
}
