import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { ArchiveError } from "@/lib/archive/errors";
import type { Refusal } from "@/lib/archive/reader-limits";
import { fetchFederationMedia, type FetchedMedia } from "@/lib/archive/media/federation-media";
import { roomBasePath } from "@/lib/archive/room-paths";
import { getMediaCache } from "@/lib/media-cache/shared";
import type { CachedMedia, MediaCache, MediaMeta } from "@/lib/media-cache/store";
import { thumbnailVariant, type MxcUri, type ThumbnailSize } from "@/lib/render/media-path";
import { roomsUsingMedia, type MediaRoom } from "@/lib/timeline";

// The media proxy's policy (docs/media.md): only media that a shown event of a servable room
// names (media_refs; the archive is not an open proxy for any mxc:// URI), bounded in size,
// one of a fixed set of thumbnail sizes, cached on disk under a byte budget, answered from the
// file (never read whole), with a type a browser cannot turn into script.

/** Thumbnails are small by nature; a bigger answer is no thumbnail. */
const MAX_THUMBNAIL_BYTES = 4 * 1024 * 1024;

/** Shown inline; anything else is a download with a neutral type. SVG and HTML never inline. */
const INLINE_TYPES = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/avif",
  "video/mp4",
  "video/webm",
  "audio/ogg",
  "audio/mpeg",
  "audio/mp4",
  "audio/webm",
  "audio/wav",
]);

export interface MediaKey extends MxcUri {
  /** One of THUMBNAIL_SIZES (the route maps what a URL asks for). */
  thumbnail?: ThumbnailSize;
}

/** Bytes to answer with: an open cached file, or (when the cache keeps none) the fetched bytes. */
type MediaSource = { kind: "file"; handle: FileHandle } | { kind: "memory"; bytes: Buffer };

export interface MediaFile {
  contentType: string;
  inline: boolean;
  size: number;
  etag: string;
  /** The servable rooms that name the media (for surrogate keys), at most 16. */
  rooms: MediaRoom[];
  source: MediaSource;
}

function normaliseType(raw: string): Pick<MediaMeta, "contentType" | "inline"> {
  const type = raw.split(";")[0]?.trim().toLowerCase() ?? "";
  return INLINE_TYPES.has(type) ? { contentType: type, inline: true } : { contentType: "application/octet-stream", inline: false };
}

/** The bytes `[start, end]` of a media file as a web stream; the file closes when it ends or is cancelled. */
export function mediaStream(media: MediaFile, range?: { start: number; end: number }): ReadableStream<Uint8Array> {
  const start = range?.start ?? 0;
  const end = range?.end ?? media.size - 1;
  if (media.source.kind === "memory") {
    const bytes = media.source.bytes.subarray(start, end + 1);
    return new ReadableStream({
      start(controller) {
        if (bytes.length > 0) controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    });
  }
  if (end < start) {
    void media.source.handle.close();
    return new ReadableStream({ start: (c) => c.close() });
  }
  return Readable.toWeb(media.source.handle.createReadStream({ start, end, autoClose: true })) as ReadableStream<Uint8Array>;
}

/** Closes the file of a media answer that is sent without its bytes (304, 416). */
export async function releaseMedia(media: MediaFile): Promise<void> {
  if (media.source.kind === "file") await media.source.handle.close().catch(() => undefined);
}

type Served = Omit<MediaFile, "rooms">;

function fromCache(cached: CachedMedia): Served {
  return {
    contentType: cached.meta.contentType,
    inline: cached.meta.inline,
    size: cached.size,
    etag: cached.etag,
    source: { kind: "file", handle: cached.handle },
  };
}

function fromMemory(key: MxcUri, variant: string, meta: Pick<MediaMeta, "contentType" | "inline">, body: Buffer): Served {
  const tag = createHash("sha256").update(`${key.serverName}/${key.mediaId}/${variant}`).digest("base64url").slice(0, 16);
  return { ...meta, size: body.length, etag: `"m${tag}-${body.length.toString(36)}"`, source: { kind: "memory", bytes: body } };
}

async function store(cache: MediaCache, key: MxcUri, variant: string, fetched: FetchedMedia): Promise<Served> {
  const meta = normaliseType(fetched.contentType);
  const cached = await cache.put(key, variant, meta, fetched.body);
  return cached ? fromCache(cached) : fromMemory(key, variant, meta, fetched.body);
}

/**
 * Who may make the proxy fetch over federation: asked once per request, at its first fetch
 * (a cached file costs nothing), and the slot it hands out is held until the request's fetches end.
 */
export type AdmitFetch = () => Promise<{ release: () => void } | Refusal>;

type Fetch = (request: Parameters<typeof fetchFederationMedia>[0]) => Promise<FetchedMedia>;

function gatedFetch(admit: AdmitFetch | undefined): { fetch: Fetch; release: () => void } {
  let release: (() => void) | undefined;
  const fetch: Fetch = async (request) => {
    if (admit && !release) {
      const admitted = await admit();
      if (!("release" in admitted)) {
        const why = admitted.reason === "client" ? "too many media files asked for from this address" : "the archive is fetching as much as it may at once";
        throw new ArchiveError("M_LIMIT_EXCEEDED", `${why}; try again later`, { retryAfterSeconds: admitted.retryAfterSeconds });
      }
      release = admitted.release;
    }
    return fetchFederationMedia(request);
  };
  return { fetch, release: () => release?.() };
}

async function fullFile(cache: MediaCache, key: MxcUri, fetch: Fetch): Promise<Served> {
  const hit = await cache.get(key, "full");
  if (hit?.cached) return fromCache(hit.cached);
  return store(cache, key, "full", await fetch({ ...key, maxBytes: getEnv().MEDIA_MAX_MB * 1024 * 1024 }));
}

async function thumbnailFile(cache: MediaCache, key: MxcUri, size: ThumbnailSize, fetch: Fetch): Promise<Served> {
  const variant = thumbnailVariant(size);
  const hit = await cache.get(key, variant);
  if (hit?.cached) return fromCache(hit.cached);
  if (hit?.meta.fallback) return fullFile(cache, key, fetch);
  let fetched: FetchedMedia;
  try {
    fetched = await fetch({ ...key, thumbnail: size, maxBytes: MAX_THUMBNAIL_BYTES });
  } catch (err) {
    if (err instanceof ArchiveError && err.code === "M_LIMIT_EXCEEDED") throw err;
    // A server without that thumbnail still has the file: show it rather than a broken image,
    // kept once under its own name, with a marker so the thumbnail is not asked for again.
    const full = await fullFile(cache, key, fetch);
    await cache.putFallback(key, variant, { contentType: full.contentType, inline: full.inline });
    return full;
  }
  return store(cache, key, variant, fetched);
}

// Concurrent first requests of one file share one fetch; each then opens the file itself.
const inflight = new Map<string, Promise<unknown>>();

async function once<T>(key: string, work: () => Promise<T>): Promise<T> {
  const running = inflight.get(key) as Promise<T> | undefined;
  if (running) {
    // The same failure for everyone waiting; after a success the file is in the cache.
    await running;
    return work();
  }
  const promise = work().finally(() => inflight.delete(key));
  inflight.set(key, promise);
  return promise;
}

/**
 * The media for a proxy request: from the disk cache, else over federation once `admit` lets
 * the reader (lib/archive/reader-limits.ts); refused, it throws M_LIMIT_EXCEEDED and asks no server.
 */
export async function getMedia(db: Db, key: MediaKey, admit?: AdmitFetch): Promise<MediaFile> {
  const mxc = { serverName: key.serverName, mediaId: key.mediaId };
  const cache = getMediaCache();
  // Checked on every request, cached or not: media of a room that was purged (or of a message
  // redacted since) stops being served, and its files go, even when another process purged it.
  const rooms = await roomsUsingMedia(db, mxc);
  if (rooms.length === 0) {
    await cache.remove([mxc]);
    throw new ArchiveError("M_NOT_FOUND", "no archived message uses this media");
  }
  const variant = key.thumbnail ? thumbnailVariant(key.thumbnail) : "full";
  const gate = gatedFetch(admit);
  const work = () => (key.thumbnail ? thumbnailFile(cache, mxc, key.thumbnail, gate.fetch) : fullFile(cache, mxc, gate.fetch));
  try {
    // A file kept only in memory cannot be shared: the joined request fetches again.
    const served = await once(`${mxc.serverName}/${mxc.mediaId}/${variant}`, work);
    return { ...served, rooms };
  } finally {
    gate.release();
  }
}

/**
 * Surrogate keys of a media answer, named like the day pages' (proxy.ts): `room/r/{alias}` and
 * `room/roomid/{id}` of every room that shows it, so a CDN purge of a room purges its media.
 */
export function mediaSurrogateKeys(rooms: readonly MediaRoom[]): string[] {
  const keys = new Set<string>();
  for (const room of rooms) {
    keys.add(`room${roomBasePath({ roomId: room.roomId, canonicalAlias: null })}`);
    if (room.canonicalAlias) keys.add(`room${roomBasePath(room)}`);
  }
  return [...keys];
}

/** What every media answer carries: never sniffed into another type, never run as a document, never embedded by other sites. */
export const MEDIA_SAFETY_HEADERS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
  "cross-origin-resource-policy": "same-origin",
} as const;

/** Bounded, never `immutable`: browsers drop a purged room's media within MEDIA_MAX_AGE_SECONDS. */
export function mediaCacheControl(): string {
  return `public, max-age=${getEnv().MEDIA_MAX_AGE_SECONDS}`;
}
