import path from "node:path";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { MediaCache, type MediaId } from "@/lib/media-cache/store";

// One cache index per process: Next.js bundles the media route and the federation routes (whose
// purges delete media) apart, so the instance lives on globalThis rather than in a module.
const SLOT = Symbol.for("matrix-archive.media-cache");

export function getMediaCache(): MediaCache {
  const slot = globalThis as unknown as Record<symbol, MediaCache | undefined>;
  const env = getEnv();
  slot[SLOT] ??= new MediaCache(path.resolve(/* turbopackIgnore: true */ env.DATA_DIR, "media-cache"), env.MEDIA_CACHE_MAX_MB * 1024 * 1024);
  return slot[SLOT];
}

/** Deletes the cached files of media no kept room names any more (after a purge commits); never throws. */
export async function deleteCachedMedia(media: readonly MediaId[]): Promise<void> {
  if (media.length === 0) return;
  try {
    await getMediaCache().remove(media);
    logger.info({ media: media.length }, "deleted the cached media of a purged room");
  } catch (err) {
    logger.warn({ err: (err as Error).message }, "could not delete the cached media of a purged room");
  }
}
