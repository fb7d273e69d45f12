import https from "node:https";
import { isIP } from "node:net";
import tls from "node:tls";
import { boundaryOf, parseMultipart } from "@/lib/archive/media/multipart";
import { discoverServer } from "@/lib/federation/discovery-network";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { defaultTransportOptions, guardedLookup, type HttpsTarget } from "@/lib/federation/transport";
import { buildXMatrixAuthorization } from "@/lib/matrix/x-matrix";

// Authenticated federation media (MSC3916, spec v1.11): GET /_matrix/federation/v1/media/… on
// the media's origin server, signed with X-Matrix, answered as multipart/mixed. lib/federation's
// transport decodes bodies as UTF-8 text, so media needs this binary-safe request; it keeps the
// same SSRF guard, CA and TLS-name checks.

export interface FetchedMedia {
  contentType: string;
  body: Buffer;
}

export class MediaFetchError extends Error {
  constructor(message: string, readonly status: 404 | 413 | 502) {
    super(message);
  }
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function binaryRequest(target: HttpsTarget, pathAndQuery: string, headers: Record<string, string>, maxBytes: number, timeoutMs: number): Promise<RawResponse> {
  const options = defaultTransportOptions();
  if (isIP(target.connectHost) !== 0 && !options.policy.allows(target.connectHost)) {
    return Promise.reject(new MediaFetchError(`refusing to connect to ${target.connectHost}`, 502));
  }
  const tlsNameIsIp = isIP(target.tlsName) !== 0;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: target.connectHost,
      port: target.port,
      method: "GET",
      path: pathAndQuery,
      headers: { Host: target.hostHeader, ...headers },
      agent: false,
      lookup: guardedLookup(options.policy),
      servername: tlsNameIsIp ? "" : target.tlsName,
      ca: options.extraCa ? [...tls.rootCertificates, options.extraCa] : undefined,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.tlsName, cert),
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new MediaFetchError(`media request to ${target.hostHeader} timed out`, 502));
    }, timeoutMs);
    req.on("error", (err) => {
      clearTimeout(timer);
      reject(new MediaFetchError(`media request to ${target.hostHeader} failed: ${err.message}`, 502));
    });
    req.on("response", (res) => {
      const declared = Number(res.headers["content-length"] ?? 0);
      if (declared > maxBytes) {
        clearTimeout(timer);
        req.destroy();
        return reject(new MediaFetchError(`media larger than ${maxBytes} bytes`, 413));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          clearTimeout(timer);
          req.destroy();
          reject(new MediaFetchError(`media larger than ${maxBytes} bytes`, 413));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
    });
    req.end();
  });
}

function header(res: RawResponse, name: string): string {
  const value = res.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

async function followLocation(location: string, maxBytes: number, timeoutMs: number): Promise<FetchedMedia> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new MediaFetchError("bad media redirect", 502);
  }
  if (url.protocol !== "https:") throw new MediaFetchError("media redirect is not https", 502);
  const target: HttpsTarget = { connectHost: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 443), hostHeader: url.host, tlsName: url.hostname.replace(/^\[|\]$/g, "") };
  const res = await binaryRequest(target, url.pathname + url.search, {}, maxBytes, timeoutMs);
  if (res.status !== 200) throw new MediaFetchError(`media redirect answered ${res.status}`, res.status === 404 ? 404 : 502);
  return { contentType: header(res, "content-type") || "application/octet-stream", body: res.body };
}

export interface MediaRequest {
  serverName: string;
  mediaId: string;
  thumbnail?: { width: number; height: number };
  maxBytes: number;
  timeoutMs?: number;
}

export async function fetchFederationMedia(request: MediaRequest): Promise<FetchedMedia> {
  const timeoutMs = request.timeoutMs ?? 20_000;
  const path = request.thumbnail
    ? `/_matrix/federation/v1/media/thumbnail/${encodeURIComponent(request.mediaId)}?width=${request.thumbnail.width}&height=${request.thumbnail.height}&method=scale&animated=false`
    : `/_matrix/federation/v1/media/download/${encodeURIComponent(request.mediaId)}`;
  const target = (await discoverServer(request.serverName)).target;
  const authorization = buildXMatrixAuthorization(
    { method: "GET", uri: path, origin: getOwnServerName(), destination: request.serverName },
    getOwnSigningKey(),
  );
  const res = await binaryRequest(target, path, { Authorization: authorization, "User-Agent": "matrix-archive" }, request.maxBytes, timeoutMs);
  if (res.status === 404) throw new MediaFetchError("no such media", 404);
  if (res.status !== 200) throw new MediaFetchError(`media server answered ${res.status}`, 502);
  const boundary = boundaryOf(header(res, "content-type"));
  const parts = boundary ? parseMultipart(res.body, boundary) : undefined;
  const media = parts?.[1];
  if (!media) throw new MediaFetchError("media answer is not multipart/mixed", 502);
  const location = media.headers.get("location");
  if (location) return followLocation(location, request.maxBytes, timeoutMs);
  return { contentType: media.headers.get("content-type") ?? "application/octet-stream", body: media.body };
}
