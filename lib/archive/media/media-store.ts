import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { ArchiveError } from "@/lib/archive/errors";
import { fetchFederationMedia } from "@/lib/archive/media/federation-media";

// The media proxy's policy: only media that a stored, non-redacted event of a servable room
// names (the archive is not an open proxy for any mxc:// URI), bounded in size, cached on disk
// under DATA_DIR, and served with a type a browser cannot turn into script.

const MAX_MEDIA_BYTES = 20 * 1024 * 1024;
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

export interface MediaFile {
  contentType: string;
  inline: boolean;
  body: Buffer;
}

export interface MediaKey {
  serverName: string;
  mediaId: string;
  thumbnail?: { width: number; height: number };
}

export function cachePaths(key: MediaKey): { data: string; meta: string } {
  const variant = key.thumbnail ? `thumb-${key.thumbnail.width}x${key.thumbnail.height}` : "full";
  const hash = createHash("sha256").update(`${key.serverName}/${key.mediaId}/${variant}`).digest("hex");
  // The cache lives in the data directory at run time; keep the bundler from tracing it.
  const dir = path.resolve(/* turbopackIgnore: true */ getEnv().DATA_DIR, "media-cache", hash.slice(0, 2));
  return { data: path.join(dir, `${hash}.bin`), meta: path.join(dir, `${hash}.json`) };
}

function normaliseType(raw: string): { contentType: string; inline: boolean } {
  const type = raw.split(";")[0]?.trim().toLowerCase() ?? "";
  return INLINE_TYPES.has(type) ? { contentType: type, inline: true } : { contentType: "application/octet-stream", inline: false };
}

async function isReferenced(db: Db, key: MediaKey): Promise<boolean> {
  const uri = `mxc://${key.serverName}/${key.mediaId}`;
  const found = await db.event.findFirst({
    where: {
      pdu: { contains: `"${uri}"` },
      redacted: false,
      deniedReason: null,
      rejectedReason: null,
      softFailedReason: null,
      room: { historyVisibility: "world_readable", status: "joined" },
    },
    select: { eventId: true },
  });
  return found !== null;
}

/** The media for a proxy request: from the disk cache, else over federation. */
export async function getMedia(db: Db, key: MediaKey): Promise<MediaFile> {
  // Checked on every request, cached or not: media of a room that was purged (or of a message
  // redacted since) must stop being served even though its file is still on disk.
  if (!(await isReferenced(db, key))) throw new ArchiveError("M_NOT_FOUND", "no archived message uses this media");
  const files = cachePaths(key);
  try {
    const meta = JSON.parse(await readFile(/* turbopackIgnore: true */ files.meta, "utf8")) as { contentType: string; inline: boolean };
    return { ...meta, body: await readFile(/* turbopackIgnore: true */ files.data) };
  } catch {
    // not cached yet
  }
  const fetched = key.thumbnail
    ? // A server without that thumbnail still has the file: show it rather than a broken image.
      await fetchFederationMedia({ ...key, maxBytes: MAX_THUMBNAIL_BYTES }).catch(() =>
        fetchFederationMedia({ ...key, thumbnail: undefined, maxBytes: MAX_MEDIA_BYTES }),
      )
    : await fetchFederationMedia({ ...key, maxBytes: MAX_MEDIA_BYTES });
  const type = normaliseType(fetched.contentType);
  await mkdir(path.dirname(files.data), { recursive: true });
  const tmp = `${files.data}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, fetched.body);
  await rename(tmp, files.data);
  await writeFile(files.meta, JSON.stringify(type));
  return { ...type, body: fetched.body };
}
