import { NextResponse, type NextRequest } from "next/server";
import { ArchiveError, jsonError } from "@/lib/archive/errors";
import { mediaFor } from "@/lib/archive/app-api";
import { parseMxcUri } from "@/lib/render/media-path";
import { logger } from "@/lib/log";

// /media/{server}/{mediaId}[?thumbnail=WxH]: the only way pages show message media. Answers are
// immutable (an mxc URI never changes content), sandboxed, and never sniffed into HTML.
export async function GET(request: NextRequest, { params }: { params: Promise<{ server: string; mediaId: string }> }) {
  const { server, mediaId } = await params;
  let mxc;
  try {
    mxc = parseMxcUri(`mxc://${decodeURIComponent(server)}/${decodeURIComponent(mediaId)}`);
  } catch {
    mxc = undefined;
  }
  if (!mxc) return jsonError("M_INVALID_PARAM", "not an mxc URI");
  const thumb = /^(\d{1,4})x(\d{1,4})$/.exec(request.nextUrl.searchParams.get("thumbnail") ?? "");
  const thumbnail = thumb ? { width: Math.min(Number(thumb[1]), 1600), height: Math.min(Number(thumb[2]), 1600) } : undefined;
  try {
    const media = await mediaFor({ ...mxc, thumbnail });
    return new NextResponse(new Uint8Array(media.body), {
      headers: {
        "content-type": media.contentType,
        "content-length": String(media.body.length),
        "content-disposition": media.inline ? "inline" : "attachment",
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cross-origin-resource-policy": "same-origin",
      },
    });
  } catch (err) {
    if (err instanceof ArchiveError) {
      return jsonError(err.code, err.message, { headers: { "cache-control": err.code === "M_NOT_FOUND" ? "public, max-age=300" : "no-store" } });
    }
    logger.warn({ server: mxc.serverName, mediaId: mxc.mediaId, err: (err as Error).message }, "media proxy failed");
    return jsonError("M_FEDERATION_UNAVAILABLE", "media not available");
  }
}
