import { ArchiveError } from "@/lib/archive/errors";
import { boundaryOf, parseMultipart } from "@/lib/archive/media/multipart";
import { discoverServer } from "@/lib/federation/discovery-network";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { defaultTransportOptions, httpsRequestBytes, TransportError, type HttpsBytesResponse, type HttpsTarget } from "@/lib/federation/transport";
import { buildXMatrixAuthorization } from "@/lib/matrix/x-matrix";
import type { ThumbnailSize } from "@/lib/render/media-path";

// Authenticated federation media (MSC3916, spec v1.11): GET /_matrix/federation/v1/media/… on
// the media's origin server, signed with X-Matrix, answered as multipart/mixed, through the
// federation transport (its SSRF guard, CA and TLS-name checks) with the body kept as bytes.

export interface FetchedMedia {
  contentType: string;
  body: Buffer;
}

/** The federation transport's binary request, with its failures as the media route's statuses. */
async function binaryRequest(
  target: HttpsTarget,
  pathAndQuery: string,
  headers: Record<string, string>,
  maxBytes: number,
  timeoutMs: number,
): Promise<HttpsBytesResponse> {
  try {
    return await httpsRequestBytes(target, { method: "GET", pathAndQuery, headers, timeoutMs, maxResponseBytes: maxBytes }, defaultTransportOptions());
  } catch (err) {
    if (err instanceof TransportError) {
      throw err.code === "M_TOO_LARGE"
        ? new ArchiveError("M_TOO_LARGE", `media larger than ${maxBytes} bytes`)
        : new ArchiveError("M_FEDERATION_UNAVAILABLE", `media request failed: ${err.message}`);
    }
    throw err;
  }
}

function header(res: HttpsBytesResponse, name: string): string {
  const value = res.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

async function followLocation(location: string, maxBytes: number, timeoutMs: number): Promise<FetchedMedia> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new ArchiveError("M_FEDERATION_UNAVAILABLE", "bad media redirect");
  }
  if (url.protocol !== "https:") throw new ArchiveError("M_FEDERATION_UNAVAILABLE", "media redirect is not https");
  const target: HttpsTarget = {
    connectHost: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || 443),
    hostHeader: url.host,
    tlsName: url.hostname.replace(/^\[|\]$/g, ""),
  };
  const res = await binaryRequest(target, url.pathname + url.search, {}, maxBytes, timeoutMs);
  if (res.status !== 200) throw new ArchiveError(res.status === 404 ? "M_NOT_FOUND" : "M_FEDERATION_UNAVAILABLE", `media redirect answered ${res.status}`);
  return { contentType: header(res, "content-type") || "application/octet-stream", body: res.body };
}

export interface MediaRequest {
  serverName: string;
  mediaId: string;
  thumbnail?: ThumbnailSize;
  maxBytes: number;
  timeoutMs?: number;
}

export async function fetchFederationMedia(request: MediaRequest): Promise<FetchedMedia> {
  const timeoutMs = request.timeoutMs ?? 20_000;
  const path = request.thumbnail
    ? `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(request.mediaId)}?width=${request.thumbnail.width}&height=${request.thumbnail.height}&method=${request.thumbnail.method}&animated=false`
    : `/_matrix/federation/v1/media/download/${encodeURIComponent(request.mediaId)}`;
  const target = (await discoverServer(request.serverName)).target;
  const authorization = buildXMatrixAuthorization(
    { method: "GET", uri: path, origin: getOwnServerName(), destination: request.serverName },
    getOwnSigningKey(),
  );
  const res = await binaryRequest(target, path, { Authorization: authorization, "User-Agent": "matrix-archive" }, request.maxBytes, timeoutMs);
  if (res.status === 404) throw new ArchiveError("M_NOT_FOUND", "no such media");
  if (res.status !== 200) throw new ArchiveError("M_FEDERATION_UNAVAILABLE", `media server answered ${res.status}`);
  const boundary = boundaryOf(header(res, "content-type"));
  const parts = boundary ? parseMultipart(res.body, boundary) : undefined;
  const media = parts?.[1];
  if (!media) throw new ArchiveError("M_FEDERATION_UNAVAILABLE", "media answer is not multipart/mixed");
  const location = media.headers.get("location");
  if (location) return followLocation(location, request.maxBytes, timeoutMs);
  return { contentType: media.headers.get("content-type") ?? "application/octet-stream", body: media.body };
}
