import type { Db } from "@/lib/db";
import { loadPage, prunePages, savePage } from "@/lib/page-cache/disk-tier";
import { appendInvalidation, currentEpoch, invalidationsAfter, pruneInvalidations } from "@/lib/page-cache/log";
import { logger } from "@/lib/log";

/**
 * The rendered-page cache behind Next.js's incremental cache (docs/page-cache.md). Next.js
 * renders a day page once and hands the result (HTML, RSC payload, headers with the page's
 * cache tags) to `set`; later requests for the same URL get it back from `get` without
 * rendering. What makes it exact: before every `get` the store reads the invalidation log
 * entries committed since it last looked (lib/page-cache/log.ts: the timeline's write path
 * appends one per write, in the write's transaction), and an entry is dropped when one of its
 * tags was named after the log position read before it was rendered. So a write made through
 * any instance on the same database is seen by every instance on its next request.
 */

const TAGS_HEADER = "x-next-cache-tags";
const LOG_BATCH = 2_000;
const PRUNE_EVERY_MS = 3_600_000;
const LOG_MAX_AGE_MS = 86_400_000;
const MAX_TAGS = 200_000;
const PAGE_KEY = /^\/route-cache\/APP_PAGE\/[0-9a-f]+\/\$(\/.*)$/;
// Pages that live longer than this go to the database too: past days. Today's page and pages
// with an open gap are rendered again within minutes anyway, and would only cost writes.
const DISK_MIN_LIFETIME_SECONDS = 301;
const DISK_PRUNE_EVERY_SAVES = 200;
// After a soft change, how long the old render may answer while a new one is under way.
const STALE_WHILE_RENDERING_MS = 30_000;

interface Entry {
  value: CachedPage;
  lastModified: number;
  cacheControl: unknown;
  tags: string[];
  /** The log position read before the render began: a tag named after it makes the entry stale. */
  seq: bigint;
  bytes: number;
}

/** What the cache answers for a key: the page, when it was rendered and its lifetime (Next.js's shape). */
export interface CachedEntry {
  value: CachedPage;
  lastModified: number;
  cacheControl: unknown;
  /** peek only: an old render answering while the page is rendered again after a soft change. */
  stale?: true;
}

export interface CachedPage {
  kind: "APP_PAGE";
  html: string;
  rscData?: Uint8Array;
  segmentData?: Map<string, Uint8Array>;
  status?: number;
  headers?: Record<string, string | string[] | undefined>;
}

function isCachedPage(value: unknown): value is CachedPage {
  return (
    typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "APP_PAGE" && typeof (value as { html?: unknown }).html === "string"
  );
}

function tagsOf(page: CachedPage): string[] {
  const header = page.headers?.[TAGS_HEADER];
  return typeof header === "string" && header.length > 0 ? header.split(",") : [];
}

function sizeOf(page: CachedPage): number {
  let bytes = page.html.length * 2 + (page.rscData?.byteLength ?? 0);
  for (const chunk of page.segmentData?.values() ?? []) bytes += chunk.byteLength;
  return bytes;
}

export interface PageCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  misses: number;
  invalidated: number;
  /** Answers of a page a soft change touched, by the fast path while the page was rendered again. */
  stale: number;
  /** Pages read back from the database (after a restart, or rendered by another instance). */
  fromDisk: number;
  seen: bigint;
}

export interface PageCacheOptions {
  /** Rendered pages also kept in the database (lib/page-cache/disk-tier.ts), in that much space, for this build. */
  disk?: { maxBytes: number; build: string };
  /**
   * Where this process is the database's only client (embedded PGlite), its count of finished
   * writes (lib/db.ts): while it stands still since the last log read began, no write can have
   * committed, so the log is not read again. Absent on a Postgres server, which other processes
   * write to: there every request reads the log's position.
   */
  localWrites?: () => number;
  /** Only pages carrying a tag with this prefix are kept (the archive's own tagged pages). */
  requiredTagPrefix?: string;
}

export class PageCacheStore {
  /** Map order is recency: a hit moves its entry to the end, eviction takes from the front. */
  private readonly entries = new Map<string, Entry>();
  /** The last log position at which each tag was named. */
  private readonly tagSeq = new Map<string, bigint>();
  /** The same for soft changes (appended messages of today): the old render may answer while the next one is made. */
  private readonly softSeq = new Map<string, bigint>();
  /** For keys being rendered: the log position read before the render (the lowest, when several). */
  private readonly pending = new Map<string, bigint>();
  /** For keys being rendered: when that render began (a render that never ends stops counting). */
  private readonly renderingSince = new Map<string, number>();
  /** A page's path → its key (Next.js keys a page by its route's hash and its path: `/route-cache/APP_PAGE/{hash}/${path}`). */
  private readonly byPath = new Map<string, string>();
  private seen: bigint | undefined;
  /** The log read under way, and the one queued after it (see sync). */
  private reading: Promise<void> | undefined;
  private nextRead: Promise<void> | undefined;
  /** Renders that began before the last clear() are not kept: the tags they missed are gone. */
  private floor = 0n;
  private bytes = 0;
  private lastPrune = 0;
  private readonly stats = { hits: 0, misses: 0, invalidated: 0, stale: 0, fromDisk: 0 };

  private savesSincePrune = 0;

  private readonly disk: PageCacheOptions["disk"];
  private readonly localWrites: PageCacheOptions["localWrites"];
  private readonly requiredTagPrefix: string;
  /** localWrites() when the last completed log read began. */
  private readWrites: number | undefined;

  constructor(
    private readonly db: () => Db,
    private readonly maxBytes: number,
    options: PageCacheOptions = {},
  ) {
    this.disk = options.disk;
    this.localWrites = options.localWrites;
    this.requiredTagPrefix = options.requiredTagPrefix ?? "r:";
  }

  /**
   * Reads the log entries committed since the last look and applies them. Concurrent requests
   * share reads, but never one that began before they arrived (it may have missed a write that
   * committed since): a request that arrives while a read is under way waits for the next one,
   * which begins when that read ends and serves everyone who arrived meanwhile.
   */
  sync(): Promise<void> {
    if (!this.reading && this.readWrites !== undefined && this.readWrites === this.localWrites?.()) return Promise.resolve();
    if (!this.reading) {
      this.reading = this.readLog().finally(() => (this.reading = undefined));
      return this.reading;
    }
    this.nextRead ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.nextRead = undefined;
        return this.sync();
      });
    return this.nextRead;
  }

  private async readLog(): Promise<void> {
    const writes = this.localWrites?.();
    await this.applyLog();
    // Only a read that went through vouches for what was committed before it began.
    this.readWrites = writes;
  }

  private async applyLog(): Promise<void> {
    const db = this.db();
    const epoch = await currentEpoch(db);
    if (this.seen === undefined) {
      // Nothing is cached yet: what happened before does not matter.
      this.seen = epoch;
      return;
    }
    if (epoch === this.seen) return;
    const rows = await invalidationsAfter(db, this.seen, LOG_BATCH);
    // Numbers follow commit order with no holes: a hole means entries were pruned before this
    // process read them, or more arrived than one batch; then nothing cached can be trusted.
    const contiguous = rows.length > 0 && rows[0]!.seq === this.seen + 1n && rows.every((r, i) => i === 0 || r.seq === rows[i - 1]!.seq + 1n);
    if (!contiguous || rows[rows.length - 1]!.seq < epoch) {
      this.seen = rows.length > 0 && rows[rows.length - 1]!.seq > epoch ? rows[rows.length - 1]!.seq : epoch;
      this.clear();
      return;
    }
    for (const row of rows) for (const tag of row.tags) (row.soft ? this.softSeq : this.tagSeq).set(tag, row.seq);
    this.seen = rows[rows.length - 1]!.seq;
    // Every tag ever named is remembered until the cache starts over; bound that.
    if (this.tagSeq.size + this.softSeq.size > MAX_TAGS) this.clear();
    if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = Date.now();
      await pruneInvalidations(db, LOG_MAX_AGE_MS);
      if (this.disk) await prunePages(db, this.disk.maxBytes);
    }
  }

  async get(key: string): Promise<CachedEntry | null> {
    await this.sync();
    const current = this.current(key, true);
    // After a soft change the page is rendered again for this request, as after any change; the
    // old render stays for the fast path to answer concurrent requests with meanwhile (peek).
    const entry = (current === "stale" ? null : current) ?? (await this.fromDisk({ key }));
    if (entry) return entry;
    this.stats.misses++;
    this.notePending(key);
    return null;
  }

  /** A render of key begins: the log position read before it is where its result is current from. */
  private notePending(key: string, now = Date.now()): void {
    const before = this.pending.get(key);
    this.pending.set(key, before !== undefined && before < this.seen! ? before : this.seen!);
    const since = this.renderingSince.get(key);
    if (since === undefined || since + STALE_WHILE_RENDERING_MS < now) this.renderingSince.set(key, now);
  }

  /**
   * What `get` would answer for the page Next.js caches under this path (decoded, as Next.js
   * keys it), for the front server's fast path (lib/front/day-fast-path.ts), which answers
   * without Next.js: the same log read first, the same exactness. A miss here
   * starts no render, so nothing is noted as pending; the request goes on to Next.js, whose
   * `get` does that. The one exception to exactness: a page only soft changes touched, while
   * Next.js renders it again, is answered as it was (`stale`), so that concurrent readers of a
   * busy today do not all wait for that render; the first request after the change renders.
   */
  async peek(path: string, now = Date.now()): Promise<CachedEntry | null> {
    await this.sync();
    const key = this.byPath.get(path);
    const current = key === undefined ? null : this.current(key, true);
    if (current === "stale") {
      const since = this.renderingSince.get(key!);
      // No render under way (or one that never finished): Next.js renders it for this request.
      if (since === undefined || since + STALE_WHILE_RENDERING_MS < now) return null;
      const entry = this.entries.get(key!)!;
      this.stats.stale++;
      return { value: entry.value, lastModified: entry.lastModified, cacheControl: entry.cacheControl, stale: true };
    }
    return current ?? (await this.fromDisk({ path }));
  }

  /** A memory miss: the page kept in the database, if the log vouches for it; kept in memory from then on. */
  private async fromDisk(by: { key: string } | { path: string }): Promise<CachedEntry | null> {
    if (!this.disk) return null;
    let stored;
    try {
      stored = await loadPage(this.db(), this.disk.build, by);
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "page cache: could not read a kept page");
      return null;
    }
    if (!stored || ("path" in by && PAGE_KEY.exec(stored.key)?.[1] !== by.path)) return null;
    this.keep(stored.key, { value: stored.value, lastModified: stored.lastModified, cacheControl: stored.cacheControl, tags: stored.tags, seq: stored.seq });
    this.stats.fromDisk++;
    const entry = this.current(stored.key);
    return entry === "stale" ? null : entry;
  }

  /**
   * The entry of key unless a write named one of its tags after it was rendered (then it is
   * dropped); "stale" when only soft changes did (with `allowStale`; else it is dropped too).
   */
  private current(key: string, allowStale = false): CachedEntry | "stale" | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    const soft = entry.tags.some((t) => (this.softSeq.get(t) ?? -1n) > entry.seq);
    if ((soft && !allowStale) || entry.tags.some((t) => (this.tagSeq.get(t) ?? -1n) > entry.seq)) {
      this.remove(key, entry);
      this.stats.invalidated++;
      return null;
    }
    if (soft) return "stale";
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.stats.hits++;
    return { value: entry.value, lastModified: entry.lastModified, cacheControl: entry.cacheControl };
  }

  set(key: string, value: unknown, cacheControl: unknown): void {
    const seq = this.pending.get(key);
    this.pending.delete(key);
    this.renderingSince.delete(key);
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    // Only a page whose render followed a miss here (so its log position is known), that
    // answered 200 and declared the archive's tags is kept.
    if (seq === undefined || seq < this.floor || !isCachedPage(value) || (value.status !== undefined && value.status !== 200)) return;
    const tags = tagsOf(value);
    if (!tags.some((t) => t.startsWith(this.requiredTagPrefix))) return;
    const renderedAt = Date.now();
    this.keep(key, { value, lastModified: renderedAt, cacheControl, tags, seq });
    const lifetime = (cacheControl as { revalidate?: unknown } | undefined)?.revalidate;
    const path = PAGE_KEY.exec(key)?.[1];
    if (this.disk && path !== undefined && typeof lifetime === "number" && lifetime >= DISK_MIN_LIFETIME_SECONDS) {
      void this.toDisk({ key, path, value, renderedAt, expiresAt: renderedAt + lifetime * 1000, cacheControl, tags, seq });
    }
  }

  private keep(key: string, e: Omit<Entry, "bytes">): void {
    const bytes = sizeOf(e.value);
    if (bytes > this.maxBytes / 4) return;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    this.entries.set(key, { ...e, bytes });
    const path = PAGE_KEY.exec(key)?.[1];
    if (path !== undefined) this.byPath.set(path, key);
    this.bytes += bytes;
    for (const [k, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.remove(k, old);
    }
  }

  /** Written after the answer; a failure costs only a render after the next restart. */
  private async toDisk(page: Parameters<typeof savePage>[2]): Promise<void> {
    if (!this.disk) return;
    try {
      await savePage(this.db(), this.disk.build, page);
      if (++this.savesSincePrune >= DISK_PRUNE_EVERY_SAVES) {
        this.savesSincePrune = 0;
        await prunePages(this.db(), this.disk.maxBytes);
      }
    } catch (err) {
      logger.warn({ err: (err as Error).message }, "page cache: could not keep a page in the database");
    }
  }

  /** Next.js's revalidateTag/revalidatePath: logged like a write, so every instance sees it. */
  async revalidateTags(tags: readonly string[]): Promise<void> {
    await this.db().$transaction((tx) => appendInvalidation(tx, tags));
  }

  snapshot(): PageCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.stats, seen: this.seen ?? 0n };
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    const path = PAGE_KEY.exec(key)?.[1];
    if (path !== undefined && this.byPath.get(path) === key) this.byPath.delete(path);
    this.bytes -= entry.bytes;
  }

  private clear(): void {
    this.entries.clear();
    this.byPath.clear();
    this.tagSeq.clear();
    this.softSeq.clear();
    this.bytes = 0;
    this.floor = this.seen ?? 0n;
  }
}
