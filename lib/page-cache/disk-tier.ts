import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { CachedPage } from "@/lib/page-cache/store";

// The page cache's second tier (docs/page-cache.md, "Across restarts"): rendered pages kept in
// the database, so a page rendered once is answered without rendering after a restart, and by
// every instance on the same database. The memory tier stays the one that answers; this one is
// read on a memory miss and written after a render.
//
// Exactness is the memory tier's: a row records the log position it is known to be current at
// (`seq`), and it is answered only when, in the same statement, the log shows that no
// invalidation after `seq` names one of its tags, and still holds every entry since `seq` (old
// entries are pruned; a row older than what the log covers cannot be vouched for). A write also
// deletes the rows it invalidates in its own transaction (lib/page-cache/log.ts), so what a purge
// or a redaction removed does not stay on disk either.

/** A row read back: the page, when it was rendered, its lifetime, and the log position it is current at. */
export interface StoredPage {
  key: string;
  path: string;
  value: CachedPage;
  lastModified: number;
  cacheControl: unknown;
  tags: string[];
  seq: bigint;
}

interface Row {
  key: string;
  path: string;
  seq: bigint;
  tags: string[];
  rendered_at: bigint;
  cache_control: unknown;
  /** base64: see loadPage. */
  body: string;
  current: boolean;
  validated_at: bigint;
}

const FORMAT = 1;

/**
 * A page as bytes: a JSON head (every field but the three large ones, and their sizes), then the
 * HTML, the RSC payload and the segment payloads. Fields Next.js adds later travel in the head.
 */
export function encodePage(page: CachedPage): Buffer {
  const { html, rscData, segmentData, ...rest } = page;
  const htmlBytes = Buffer.from(html, "utf8");
  const segments = [...(segmentData ?? new Map<string, Uint8Array>())];
  const head = Buffer.from(
    JSON.stringify({
      v: FORMAT,
      rest,
      html: htmlBytes.byteLength,
      rsc: rscData === undefined ? null : rscData.byteLength,
      segments: segments.map(([name, bytes]) => [name, bytes.byteLength]),
    }),
    "utf8",
  );
  const size = Buffer.alloc(4);
  size.writeUInt32BE(head.byteLength);
  return Buffer.concat([size, head, htmlBytes, ...(rscData ? [rscData] : []), ...segments.map(([, bytes]) => bytes)]);
}

/** The page encodePage wrote, or undefined when the bytes are not one (another format, truncated). */
export function decodePage(bytes: Uint8Array): CachedPage | undefined {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength < 4) return undefined;
  const headEnd = 4 + buf.readUInt32BE(0);
  if (headEnd > buf.byteLength) return undefined;
  let head: { v?: unknown; rest?: unknown; html?: unknown; rsc?: unknown; segments?: unknown };
  try {
    head = JSON.parse(buf.subarray(4, headEnd).toString("utf8")) as typeof head;
  } catch {
    return undefined;
  }
  const sizes = [head.html, head.rsc ?? 0, ...(Array.isArray(head.segments) ? head.segments.map((s: unknown) => (Array.isArray(s) ? s[1] : -1)) : [-1])];
  if (head.v !== FORMAT || typeof head.rest !== "object" || head.rest === null || sizes.some((n) => !Number.isSafeInteger(n) || (n as number) < 0))
    return undefined;
  if (headEnd + sizes.reduce((a: number, n) => a + (n as number), 0) !== buf.byteLength) return undefined;
  let at = headEnd;
  const take = (n: number) => {
    // Copies: the row's buffer is not kept alive by the page.
    const part = Buffer.from(buf.subarray(at, at + n));
    at += n;
    return part;
  };
  const html = take(head.html as number).toString("utf8");
  const rscData = head.rsc === null ? undefined : take(head.rsc as number);
  const segments = (head.segments as [unknown, number][]).map(([name, n]) => [String(name), take(n)] as const);
  const page = { ...(head.rest as object), kind: "APP_PAGE", html } as CachedPage;
  if (rscData) page.rscData = rscData;
  if (segments.length > 0 || (head.rest as { segmentData?: unknown }).segmentData !== undefined) page.segmentData = new Map(segments);
  return page;
}

/**
 * The row of a page (by its key, or by its decoded path as the front server's fast path asks),
 * rendered by this build and within its lifetime, if the log vouches that it is current; a row the log shows stale is deleted. The position
 * returned is the log's, read in the same statement: the page is current as of it.
 */
export async function loadPage(db: Db, build: string, by: { key: string } | { path: string }, now = Date.now()): Promise<StoredPage | undefined> {
  // One equality, so the row is found through its index.
  const which = "key" in by ? Prisma.sql`p.key = ${by.key}` : Prisma.sql`p.path = ${by.path}`;
  // The body travels as base64 text, both ways: the drivers turn a bytea into bytes in
  // JavaScript, which took 12 ms for 100 KB on PGlite against 1.3 ms for the same as text, and
  // this read is on the request path of the first reader after a restart.
  const rows = await db.$queryRaw<Row[]>`
    WITH epoch AS (SELECT seq FROM page_cache_epoch WHERE id = 1),
    page AS (
      SELECT * FROM page_cache_pages p
      WHERE ${which} AND p.expires_at >= ${BigInt(now)}::bigint AND p.build = ${build}
      ORDER BY p.seq DESC LIMIT 1)
    SELECT p.key, p.path, p.seq, p.tags, p.rendered_at, p.cache_control, encode(p.body, 'base64') AS body,
      (e.seq = p.seq OR (
        (SELECT min(i.seq) FROM page_cache_invalidations i) <= p.seq + 1
        AND NOT EXISTS (SELECT 1 FROM page_cache_invalidations i WHERE i.seq > p.seq AND i.tags && p.tags))) AS current,
      e.seq AS validated_at
    FROM page p CROSS JOIN epoch e`;
  const row = rows[0];
  if (!row) return undefined;
  // Node's base64 decoder skips the line breaks Postgres puts in.
  const value = row.current ? decodePage(Buffer.from(row.body, "base64")) : undefined;
  if (!value) {
    await db.$executeRaw`DELETE FROM page_cache_pages WHERE key = ${row.key} AND seq = ${row.seq}::bigint`;
    return undefined;
  }
  return { key: row.key, path: row.path, value, lastModified: Number(row.rendered_at), cacheControl: row.cache_control, tags: row.tags, seq: row.validated_at };
}

/**
 * Keeps a rendered page. `seq` is the log position read before its render began: a write
 * logged after it that names one of its tags makes the row stale (loadPage), even when that
 * write committed before this row was written. A newer render of the same key is not replaced
 * by an older one.
 */
export async function savePage(
  db: Db,
  build: string,
  page: { key: string; path: string; value: CachedPage; renderedAt: number; expiresAt: number; cacheControl: unknown; tags: string[]; seq: bigint },
): Promise<void> {
  const body = encodePage(page.value);
  const control = page.cacheControl === undefined ? null : JSON.stringify(page.cacheControl);
  await db.$executeRaw`
    INSERT INTO page_cache_pages (key, path, build, seq, tags, rendered_at, expires_at, cache_control, body, bytes)
    VALUES (${page.key}, ${page.path}, ${build}, ${page.seq}::bigint, ${page.tags}::text[], ${BigInt(page.renderedAt)}::bigint,
      ${BigInt(page.expiresAt)}::bigint, ${control}::jsonb, decode(${body.toString("base64")}, 'base64'), ${body.byteLength})
    ON CONFLICT (key) DO UPDATE SET path = EXCLUDED.path, build = EXCLUDED.build, seq = EXCLUDED.seq, tags = EXCLUDED.tags, rendered_at = EXCLUDED.rendered_at,
      expires_at = EXCLUDED.expires_at, cache_control = EXCLUDED.cache_control, body = EXCLUDED.body, bytes = EXCLUDED.bytes, stored_at = now()
    WHERE page_cache_pages.seq <= EXCLUDED.seq OR page_cache_pages.build <> EXCLUDED.build`;
}

/** Drops rows past their lifetime, then the least recently stored beyond `maxBytes`. */
export async function prunePages(db: Db, maxBytes: number, now = Date.now()): Promise<number> {
  const expired = await db.$executeRaw`DELETE FROM page_cache_pages WHERE expires_at < ${BigInt(now)}::bigint`;
  const over = await db.$executeRaw`
    DELETE FROM page_cache_pages WHERE key IN (
      SELECT key FROM (SELECT key, sum(bytes) OVER (ORDER BY stored_at DESC, key) AS kept FROM page_cache_pages) k
      WHERE k.kept > ${maxBytes}::bigint)`;
  return expired + over;
}
