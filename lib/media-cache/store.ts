import { createHash } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink, utimes, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { LRUCache } from "lru-cache";

// The media proxy's disk cache (docs/media.md): one directory per mxc URI, named by a hash,
// holding at most one file per variant (the full file and the fixed thumbnail sizes), each
// with a small JSON file of what to answer with. The files of all media together stay under a
// byte budget: an index of every file, in least-recently-used order, evicts the oldest when a
// new file would go over it. The index is built from the directory at the first use (by
// modification time, which a hit refreshes at most once a minute), so the order survives a
// restart; processes sharing a disk each keep their own index and may each fill the budget.

export interface MediaMeta {
  contentType: string;
  inline: boolean;
  /** Set on a thumbnail the media's server could not make: the full file answers instead. */
  fallback?: "full";
}

export interface MediaId {
  serverName: string;
  mediaId: string;
}

export interface CachedMedia {
  meta: MediaMeta;
  size: number;
  /** Open on the file, so an eviction or purge meanwhile cannot cut the answer short. */
  handle: FileHandle;
  etag: string;
}

interface Entry {
  size: number;
  touchedAt: number;
}

/** Variants are the cache's own names (`full`, `thumb-320x240-scale`), never a reader's text. */
const VARIANT = /^[a-z0-9-]{1,40}$/;
/** A thumbnail marker has no data file; it still takes an index slot, counted as this many bytes. */
const MARKER_BYTES = 512;
const TOUCH_EVERY_MS = 60_000;
/** Files of an unfinished write younger than this may still be another process's. */
const STALE_MS = 60 * 60_000;

async function removeIfStale(file: string): Promise<void> {
  const info = await stat(/* turbopackIgnore: true */ file).catch(() => undefined);
  if (info && Date.now() - info.mtimeMs > STALE_MS) await rm(/* turbopackIgnore: true */ file, { force: true }).catch(() => undefined);
}

export class MediaCache {
  private readonly index: LRUCache<string, Entry> | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    readonly root: string,
    readonly maxBytes: number,
  ) {
    this.index =
      maxBytes > 0
        ? new LRUCache<string, Entry>({
            maxSize: maxBytes,
            sizeCalculation: (e) => Math.max(1, e.size),
            // Only what the budget pushes out is deleted here; removals delete their own files.
            dispose: (_entry, key, reason) => {
              if (reason === "evict") void this.unlinkVariant(key);
            },
          })
        : undefined;
  }

  /** Whether files are kept at all (a budget of 0 keeps none). */
  get enabled(): boolean {
    return this.index !== undefined;
  }

  private dirKey(media: MediaId): string {
    const hash = createHash("sha256").update(`${media.serverName}/${media.mediaId}`).digest("hex");
    return `${hash.slice(0, 2)}/${hash}`;
  }

  private key(media: MediaId, variant: string): string {
    if (!VARIANT.test(variant)) throw new Error(`bad media cache variant ${variant}`);
    return `${this.dirKey(media)}/${variant}`;
  }

  private file(key: string, ext: "bin" | "json"): string {
    // The cache lives in the data directory at run time; keep the bundler from tracing it.
    return path.join(/* turbopackIgnore: true */ this.root, `${key}.${ext}`);
  }

  private async unlinkVariant(key: string): Promise<void> {
    await Promise.all([rm(this.file(key, "bin"), { force: true }), rm(this.file(key, "json"), { force: true })]).catch(() => undefined);
    // The media's directory goes with its last file.
    await rmdir(path.dirname(this.file(key, "json"))).catch(() => undefined);
  }

  /** Builds the index from the files on disk once; files beyond the budget are evicted then. */
  private load(): Promise<void> {
    this.loading ??= this.scan().catch(() => undefined);
    return this.loading;
  }

  private async scan(): Promise<void> {
    const index = this.index;
    if (!index) return;
    const found: Array<{ key: string; size: number; mtimeMs: number }> = [];
    const dirents = (dir: string) => readdir(/* turbopackIgnore: true */ dir, { withFileTypes: true }).catch(() => []);
    for (const prefix of await dirents(this.root)) {
      if (!prefix.isDirectory()) continue;
      const prefixDir = path.join(/* turbopackIgnore: true */ this.root, prefix.name);
      for (const media of await dirents(prefixDir)) {
        const mediaDir = path.join(/* turbopackIgnore: true */ prefixDir, media.name);
        // Files of an earlier layout are not the cache's.
        if (!media.isDirectory()) {
          await removeIfStale(mediaDir);
          continue;
        }
        const names = new Set((await dirents(mediaDir)).map((d) => d.name));
        for (const name of names) {
          const key = `${prefix.name}/${media.name}/${name.replace(/\.(bin|json)$/, "")}`;
          if (name.endsWith(".json")) {
            const meta = await stat(path.join(/* turbopackIgnore: true */ mediaDir, name)).catch(() => undefined);
            const data = names.has(name.replace(/\.json$/, ".bin")) ? await stat(this.file(key, "bin")).catch(() => undefined) : undefined;
            if (meta) found.push({ key, size: data?.size ?? MARKER_BYTES, mtimeMs: Math.max(meta.mtimeMs, data?.mtimeMs ?? 0) });
          } else if (!(name.endsWith(".bin") && names.has(name.replace(/\.bin$/, ".json")))) {
            // A data file without its description, or a temporary file: left over by a crash,
            // unless another process sharing the directory is writing it right now.
            await removeIfStale(path.join(/* turbopackIgnore: true */ mediaDir, name));
          }
        }
      }
    }
    found.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of found) {
      if (!index.has(f.key)) index.set(f.key, { size: f.size, touchedAt: f.mtimeMs });
    }
  }

  private etagOf(key: string, size: number): string {
    return `"${createHash("sha256").update(key).digest("base64url").slice(0, 16)}-${size.toString(36)}"`;
  }

  /** A cached variant, opened; undefined when not cached. The caller closes the handle. */
  async get(media: MediaId, variant: string): Promise<{ meta: MediaMeta; cached?: CachedMedia } | undefined> {
    const index = this.index;
    if (!index) return undefined;
    await this.load();
    const key = this.key(media, variant);
    const entry = index.get(key);
    if (!entry) return undefined;
    let meta: MediaMeta;
    try {
      meta = JSON.parse(await readFile(/* turbopackIgnore: true */ this.file(key, "json"), "utf8")) as MediaMeta;
    } catch {
      index.delete(key);
      return undefined;
    }
    const now = Date.now();
    if (now - entry.touchedAt > TOUCH_EVERY_MS) {
      entry.touchedAt = now;
      const seconds = now / 1000;
      void utimes(this.file(key, meta.fallback ? "json" : "bin"), seconds, seconds).catch(() => undefined);
    }
    if (meta.fallback) return { meta };
    let handle: FileHandle;
    try {
      handle = await open(/* turbopackIgnore: true */ this.file(key, "bin"), "r");
    } catch {
      // Removed behind this index's back (another process's eviction or purge).
      index.delete(key);
      return undefined;
    }
    const size = (await handle.stat()).size;
    return { meta, cached: { meta, size, handle, etag: this.etagOf(key, size) } };
  }

  /**
   * Stores a variant and opens it for the answer; undefined when it is not kept (no budget, a
   * file bigger than the whole budget, or the write failed): the caller answers from memory.
   */
  async put(media: MediaId, variant: string, meta: MediaMeta, body: Buffer): Promise<CachedMedia | undefined> {
    const index = this.index;
    if (!index || body.length > this.maxBytes) return undefined;
    await this.load();
    const key = this.key(media, variant);
    const data = this.file(key, "bin");
    try {
      await mkdir(path.dirname(data), { recursive: true });
      const tmp = `${data}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, data);
      await writeFile(this.file(key, "json"), JSON.stringify(meta));
      const handle = await open(/* turbopackIgnore: true */ data, "r");
      index.set(key, { size: body.length, touchedAt: Date.now() });
      return { meta, size: body.length, handle, etag: this.etagOf(key, body.length) };
    } catch {
      await this.unlinkVariant(key);
      return undefined;
    }
  }

  /** Records that a thumbnail variant is answered by the full file (no data of its own). */
  async putFallback(media: MediaId, variant: string, meta: Omit<MediaMeta, "fallback">): Promise<void> {
    const index = this.index;
    if (!index) return;
    await this.load();
    const key = this.key(media, variant);
    try {
      await mkdir(path.dirname(this.file(key, "json")), { recursive: true });
      await unlink(this.file(key, "bin")).catch(() => undefined);
      await writeFile(this.file(key, "json"), JSON.stringify({ ...meta, fallback: "full" } satisfies MediaMeta));
      index.set(key, { size: MARKER_BYTES, touchedAt: Date.now() });
    } catch {
      // Only a shortcut: the thumbnail is asked for again next time.
    }
  }

  /** Deletes every file of the media (purges, media no stored event names any more). */
  async remove(media: readonly MediaId[]): Promise<void> {
    for (const m of media) {
      const dirKey = this.dirKey(m);
      const dir = path.join(/* turbopackIgnore: true */ this.root, dirKey);
      const names = await readdir(/* turbopackIgnore: true */ dir).catch(() => undefined);
      if (!names) continue;
      for (const name of names) this.index?.delete(`${dirKey}/${name.replace(/\.(bin|json)$/, "")}`);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Bytes this process's index counts (tests, logs). */
  get usedBytes(): number {
    return this.index?.calculatedSize ?? 0;
  }
}
