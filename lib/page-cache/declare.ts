import { unstable_cache } from "next/cache";

/**
 * Declares the cache tags and lifetime of the page being rendered. Next.js collects the tags
 * and the shortest lifetime of every data-cache call a statically rendered page makes into the
 * page's cache entry (its `x-next-cache-tags` and revalidate time); this call caches nothing
 * itself (lib/page-cache/next-handler.js never stores data entries), it only says them.
 */
export async function declarePageCache(tags: readonly string[], lifetimeSeconds: number): Promise<void> {
  await unstable_cache(async () => true, ["page-cache", ...tags], { tags: [...tags], revalidate: lifetimeSeconds })();
}
