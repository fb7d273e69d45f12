import { NextResponse, type NextRequest } from "next/server";
import { clientAddress } from "@/lib/archive/client-address";
import { ArchiveError, jsonError, tooManyRequestsJson } from "@/lib/archive/errors";
import { admitReader } from "@/lib/archive/reader-limits";
import { mediaFor } from "@/lib/archive/app-api";
import { blankImage } from "@/lib/archive/media/blank";
import { rangeFor } from "@/lib/archive/media/byte-range";
import { MEDIA_SAFETY_HEADERS, mediaCacheControl, mediaStream, mediaSurrogateKeys, releaseMedia } from "@/lib/archive/media/media-store";
import { BLANK_IF_MISSING, parseMxcUri, thumbnailSizeFor } from "@/lib/render/media-path";
import { logger } from "@/lib/log";

// /media/{server}/{mediaId}[?thumbnail=WxH]: the only way pages show message media
// (docs/media.md). Thumbnails come in a fixed set of sizes; answers stream from the disk cache
// with Range support, sandboxed and never sniffed into HTML. They are cached for a bounded time
// (never `immutable`: a purged room's media must stop being served) and carry the surrogate
// keys of the rooms that show them, so a CDN purge of a room purges its media as well. A file
// not cached yet counts against the reader's MEDIA_FETCHES_PER_CLIENT_PER_MINUTE and the
// process's READER_FEDERATION_CONCURRENCY (docs/limits.md); past either, 429 and no fetch.
// With `missing=blank` (a sender's face, decoration) any failure is a transparent image instead
// (lib/archive/media/blank.ts), with the lifetime the error would have had.
type Params = { params: Promise<{ server: string; mediaId: string }> };

export function GET(request: NextRequest, context: Params) {
  return answer(request, context, false);
}

// The same headers without a stream of the file: Next.js would otherwise run GET for HEAD and
// drop the body, with the cached file opened for it.
export function HEAD(request: NextRequest, context: Params) {
  return answer(request, context, true);
}

async function answer(request: NextRequest, { params }: Params, head: boolean) {
  const { server, mediaId } = await params;
  let mxc;
  try {
    mxc = parseMxcUri(`mxc://${decodeURIComponent(server)}/${decodeURIComponent(mediaId)}`);
  } catch {
    mxc = undefined;
  }
  if (!mxc) return jsonError("M_INVALID_PARAM", "not an mxc URI");
  const asked = request.nextUrl.searchParams.get("thumbnail");
  const thumbnail = asked === null ? undefined : thumbnailSizeFor(asked);
  if (asked !== null && !thumbnail) return jsonError("M_INVALID_PARAM", "thumbnail must be WIDTHxHEIGHT, each from 1 to 4096");
  const missing = request.nextUrl.searchParams.get("missing");
  if (missing !== null && missing !== BLANK_IF_MISSING) return jsonError("M_INVALID_PARAM", `missing may only be ${BLANK_IF_MISSING}`);
  let media;
  try {
    media = await mediaFor({ ...mxc, thumbnail }, () => admitReader("media-fetch", clientAddress(request.headers)));
  } catch (err) {
    const known = err instanceof ArchiveError ? err : undefined;
    if (!known) logger.warn({ server: mxc.serverName, mediaId: mxc.mediaId, err: (err as Error).message }, "media proxy failed");
    const cacheControl = known?.code === "M_NOT_FOUND" ? "public, max-age=300" : "no-store";
    if (missing !== null) return blankImage(known?.code ?? "M_FEDERATION_UNAVAILABLE", cacheControl, head);
    if (known?.code === "M_LIMIT_EXCEEDED") return tooManyRequestsJson(known.message, known.retryAfterSeconds ?? 5);
    if (known) return jsonError(known.code, known.message, { headers: { "cache-control": cacheControl } });
    return jsonError("M_FEDERATION_UNAVAILABLE", "media not available");
  }
  const keys = mediaSurrogateKeys(media.rooms);
  const headers: Record<string, string> = {
    "content-type": media.contentType,
    "content-disposition": media.inline ? "inline" : "attachment",
    "cache-control": mediaCacheControl(),
    etag: media.etag,
    "accept-ranges": "bytes",
    "surrogate-key": keys.join(" "),
    "cache-tag": keys.join(","),
    ...MEDIA_SAFETY_HEADERS,
  };
  if (request.headers.get("if-none-match") === media.etag) {
    await releaseMedia(media);
    return new NextResponse(null, { status: 304, headers });
  }
  const range = rangeFor(request.headers.get("range"), media.size, request.headers.get("if-range"), media.etag);
  if (range.kind === "unsatisfiable") {
    await releaseMedia(media);
    return new NextResponse(null, { status: 416, headers: { ...headers, "content-range": `bytes */${media.size}` } });
  }
  if (range.kind === "partial") {
    const partial = { ...headers, "content-range": `bytes ${range.start}-${range.end}/${media.size}`, "content-length": String(range.end - range.start + 1) };
    if (head) {
      await releaseMedia(media);
      return new NextResponse(null, { status: 206, headers: partial });
    }
    return new NextResponse(mediaStream(media, range), { status: 206, headers: partial });
  }
  const full = { ...headers, "content-length": String(media.size) };
  if (head) {
    await releaseMedia(media);
    return new NextResponse(null, { headers: full });
  }
  return new NextResponse(mediaStream(media), { headers: full });
}
