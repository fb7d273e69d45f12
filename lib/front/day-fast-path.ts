import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { etagOf, httpDate, isNotModified } from "@/lib/front/conditional";
import { cacheControlFor, cursorSegmentFor, DAY_PATH, surrogateKeysFor } from "@/lib/page-cache/day-urls";
import type { CachedEntry, CachedPage } from "@/lib/page-cache/store";

// The front server's fast path (docs/page-cache.md): a plain GET or HEAD of a day page whose
// rendered page is in this process's page cache is answered from there, without Next.js's
// request pipeline (its router, proxy.ts, the render module), which costs more than the
// answer itself. The page cache's exactness is kept: `peek` reads the invalidation log first,
// exactly as Next.js's `get` does, so a page a committed write invalidated is never answered
// here; the request goes on to Next.js, which renders it again. Everything that is not a plain
// document request of a fresh cached page goes on to Next.js as well: RSC and prefetch requests
// (other variants of the page), queries other than one day cursor, pages past their lifetime
// (Next.js serves them stale once while it renders them again), anything not 200.
//
// proxy.ts's per-request work for day pages is the day fill on view, charged to the reader when
// the page may start a fill over federation. A fresh cached page starts none (its render did,
// and a page with an open gap or today's page lives minutes at most), so nothing is charged
// here; past their lifetime such pages go through proxy.ts again.

/** The page cache as the fast path uses it (lib/page-cache/store.ts). */
export interface PeekableStore {
  peek(key: string): Promise<CachedEntry | null>;
}

/** Request headers that ask for another variant of the page than the HTML document. */
const VARIANT_HEADERS = ["rsc", "next-router-prefetch", "next-router-segment-prefetch", "next-router-state-tree", "next-action", "x-prerender-revalidate"];
// Next.js's draft mode cookie: a draft request is rendered, never answered from the cache.
const DRAFT_COOKIE = /(?:^|;\s*)__prerender_bypass=/;
// What Next.js sends with a day page (routeModule.getVaryHeader for a route without interception).
const VARY = "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch, Accept-Encoding";
// Next.js compresses answers above this size (the `compression` package's default threshold).
const GZIP_MIN_BYTES = 1024;
// Headers of the cached render that are the cache's business, not the reader's.
const INTERNAL_HEADERS = new Set(["x-next-cache-tags"]);

interface Prepared {
  body: Buffer;
  etag: string;
  gzip?: Buffer;
}

// Derived once per cached page (the body as bytes, its ETag, its gzip), dropped with the page.
const prepared = new WeakMap<CachedPage, Prepared>();

function prepare(page: CachedPage): Prepared {
  let p = prepared.get(page);
  if (!p) {
    p = { body: Buffer.from(page.html, "utf8"), etag: etagOf(page.html) };
    prepared.set(page, p);
  }
  return p;
}

/**
 * The path Next.js keys a page's cache entry by: each segment decoded. Only paths whose decoded
 * segments hold no `%` and no delimiter are taken (undefined otherwise): for those, decoding
 * once or twice, and Next.js's re-escaping of delimiters, all give the same text, so the entry
 * found is the one Next.js itself would answer with.
 */
function cachePath(encoded: string): string | undefined {
  const segments: string[] = [];
  for (const segment of encoded.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (/[%/#?\\]/.test(decoded)) return undefined;
    segments.push(decoded);
  }
  return segments.join("/");
}

/**
 * The page cache path of a day page request, as Next.js keys the entry (a day cursor moved into
 * a last segment as proxy.ts does), or undefined when the request is not one the fast path may
 * answer.
 */
export function cacheKeyFor(method: string | undefined, target: string, headers: IncomingHttpHeaders): { key: string; pathname: string } | undefined {
  if (method !== "GET" && method !== "HEAD") return undefined;
  for (const name of VARIANT_HEADERS) if (headers[name] !== undefined) return undefined;
  if (headers.cookie !== undefined && DRAFT_COOKIE.test(headers.cookie)) return undefined;
  const q = target.indexOf("?");
  const pathname = q === -1 ? target : target.slice(0, q);
  if (!DAY_PATH.test(pathname)) return undefined;
  if (q === -1) {
    const key = cachePath(pathname);
    return key === undefined ? undefined : { key, pathname };
  }
  // Only one parameter, a cursor proxy.ts would move into the path; `_rsc` and anything else go to Next.js.
  const search = new URLSearchParams(target.slice(q + 1));
  const names = [...search.keys()];
  if (names.length !== 1 || (names[0] !== "after" && names[0] !== "before")) return undefined;
  const cursor = cursorSegmentFor(search);
  const key = cursor === undefined ? undefined : cachePath(`${pathname}/${cursor}`);
  return key === undefined ? undefined : { key, pathname };
}

/** Whether Next.js would answer the entry as it is, without rendering it again first. */
export function isFresh(entry: CachedEntry, now: number): boolean {
  const control = entry.cacheControl as { revalidate?: unknown; expire?: unknown } | undefined;
  if (!control) return false;
  if (typeof control.expire === "number" && entry.lastModified + control.expire * 1000 < now) return false;
  if (control.revalidate === false) return true;
  return typeof control.revalidate === "number" && control.revalidate > 0 && entry.lastModified + control.revalidate * 1000 >= now;
}

function acceptsGzip(headers: IncomingHttpHeaders): boolean {
  const accept = headers["accept-encoding"];
  return typeof accept === "string" && /(?:^|,)\s*gzip\s*(?:,|$|;\s*q=(?:1|0?\.\d*[1-9]))/i.test(accept);
}

/**
 * Answers the request from the page cache when it may (true), or leaves it untouched for
 * Next.js (false).
 */
export async function serveCachedDayPage(req: IncomingMessage, res: ServerResponse, store: PeekableStore, now = Date.now()): Promise<boolean> {
  const target = cacheKeyFor(req.method, req.url ?? "", req.headers);
  if (!target) return false;
  const entry = await store.peek(target.key);
  if (!entry || (entry.value.status !== undefined && entry.value.status !== 200) || !isFresh(entry, now)) return false;
  const page = entry.value;
  const { body, etag } = prepare(page);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(page.headers ?? {})) {
    if (value !== undefined && !INTERNAL_HEADERS.has(name.toLowerCase())) headers[name] = typeof value === "number" ? String(value) : value;
  }
  // "stale": a page only new messages of today changed, answered as it was while Next.js
  // renders it again for the request that came first (lib/page-cache/store.ts, peek).
  headers["x-archive-cache"] = entry.stale ? "stale" : "hit";
  headers.vary = VARY;
  headers.etag = etag;
  headers["last-modified"] = httpDate(entry.lastModified);
  const cacheControl = cacheControlFor(target.pathname, new Date(now));
  if (cacheControl) headers["cache-control"] = cacheControl;
  const keys = surrogateKeysFor(target.pathname);
  if (keys) {
    headers["surrogate-key"] = keys.join(" ");
    headers["cache-tag"] = keys.join(",");
  }
  if (isNotModified(req.headers, etag, entry.lastModified)) {
    res.writeHead(304, headers).end();
    return true;
  }
  headers["content-type"] = "text/html; charset=utf-8";
  let payload = body;
  if (body.byteLength >= GZIP_MIN_BYTES && acceptsGzip(req.headers)) {
    const p = prepare(page);
    p.gzip ??= gzipSync(body);
    payload = p.gzip;
    headers["content-encoding"] = "gzip";
  }
  headers["content-length"] = String(payload.byteLength);
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : payload);
  return true;
}
