import { generateETag } from "next/dist/server/lib/etag.js";

// Validators of a page the front server answers from the page cache (lib/front/day-fast-path.ts).
// The ETag is Next.js's own function of the body, so that a browser holding the ETag of a page
// Next.js rendered gets a 304 from the fast path, and the other way round: both paths name the
// same bytes alike. Last-Modified is when the page was rendered into the cache.

/** A strong ETag of the body, the one Next.js gives the same body. */
export function etagOf(body: string): string {
  return generateETag(body);
}

/** An HTTP date (RFC 9110), to the second. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/**
 * Whether a GET or HEAD with these request headers is answered 304 (RFC 9110 §13.1.2, §13.1.3):
 * If-None-Match wins when present (weak comparison: `W/` is ignored, `*` matches); otherwise
 * If-Modified-Since, when it is a valid date no earlier than the last modification.
 */
export function isNotModified(headers: Record<string, string | string[] | undefined>, etag: string, lastModifiedMs: number): boolean {
  const noneMatch = header(headers, "if-none-match");
  if (noneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
    const want = opaque(etag);
    return noneMatch.split(",").some((tag) => tag.trim() === "*" || opaque(tag) === want);
  }
  const since = header(headers, "if-modified-since");
  if (since === undefined) return false;
  const sinceMs = Date.parse(since);
  if (Number.isNaN(sinceMs)) return false;
  return Math.floor(lastModifiedMs / 1000) * 1000 <= sinceMs;
}
