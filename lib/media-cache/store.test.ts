import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MediaCache, type CachedMedia } from "@/lib/media-cache/store";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "media-cache-"));
});
afterEach(async () => rm(root, { recursive: true, force: true }));

const meta = { contentType: "image/png", inline: true };
const media = (n: number) => ({ serverName: "hs.example", mediaId: `m${n}` });
const KIB = 1024;

async function read(cached: CachedMedia | undefined): Promise<string> {
  if (!cached) throw new Error("not cached");
  try {
    const buf = Buffer.alloc(cached.size);
    await cached.handle.read(buf, 0, cached.size, 0);
    return buf.toString();
  } finally {
    await cached.handle.close();
  }
}

async function files(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name);
      if (d.isDirectory()) await walk(p);
      else out.push(path.relative(root, p));
    }
  };
  await walk(root);
  return out.sort();
}

const held = async (cache: MediaCache, n: number) => {
  const hit = await cache.get(media(n), "full");
  await hit?.cached?.handle.close();
  return hit !== undefined;
};

describe("the media disk cache", () => {
  it("stores a variant and answers it from the file", async () => {
    const cache = new MediaCache(root, 100 * KIB);
    expect(await read(await cache.put(media(1), "full", meta, Buffer.from("bytes one")))).toBe("bytes one");
    const hit = await cache.get(media(1), "full");
    expect(hit?.meta).toEqual(meta);
    expect(await read(hit?.cached)).toBe("bytes one");
    expect(await cache.get(media(1), "thumb-32x32-crop")).toBeUndefined();
    expect(await cache.get(media(2), "full")).toBeUndefined();
  });

  it("keeps the total under its budget by evicting the least recently used files from disk", async () => {
    const cache = new MediaCache(root, 100 * KIB);
    const body = Buffer.alloc(30 * KIB, 1);
    for (const n of [1, 2, 3]) await (await cache.put(media(n), "full", meta, body))?.handle.close();
    // 1 is used again, so 2 is now the least recently used.
    expect(await held(cache, 1)).toBe(true);
    await (await cache.put(media(4), "full", meta, body))?.handle.close();
    expect(cache.usedBytes).toBeLessThanOrEqual(100 * KIB);
    expect(await held(cache, 2)).toBe(false);
    for (const n of [1, 3, 4]) expect(await held(cache, n)).toBe(true);
    // The evicted file is gone from disk, not only from the index.
    await expect.poll(async () => (await files()).length).toBe(6);
    const fresh = new MediaCache(root, 100 * KIB);
    expect(await held(fresh, 2)).toBe(false);
  });

  it("rebuilds its order from the disk at start and applies a smaller budget", async () => {
    const first = new MediaCache(root, 1024 * KIB);
    const body = Buffer.alloc(40 * KIB, 2);
    for (const n of [1, 2, 3]) await (await first.put(media(n), "full", meta, body))?.handle.close();
    // Oldest by modification time: 3, then 1, then 2.
    const dataFile = async (n: number) => (await files()).find((f) => f.endsWith("full.bin") && f.includes(hashDirOf(first, n)))!;
    const times: Record<number, number> = { 3: 1_000, 1: 2_000, 2: 3_000 };
    for (const n of [1, 2, 3]) {
      const p = path.join(root, await dataFile(n));
      await utimes(p, times[n]!, times[n]!);
      await utimes(p.replace(/\.bin$/, ".json"), times[n]!, times[n]!);
    }
    // A file of an earlier layout and a lone data file are not the cache's: removed.
    // Only once they are old: younger ones may be another process's write in progress.
    const old = path.join(root, path.dirname(path.dirname(await dataFile(1))), "old.bin");
    const stray = path.join(root, path.dirname(await dataFile(1)), "stray.bin");
    const young = path.join(root, path.dirname(await dataFile(1)), "young.bin.1.2.tmp");
    for (const f of [old, stray, young]) await writeFile(f, "x");
    for (const f of [old, stray]) await utimes(f, 1_000, 1_000);
    const second = new MediaCache(root, 90 * KIB);
    expect(await held(second, 3)).toBe(false);
    expect(await held(second, 1)).toBe(true);
    expect(await held(second, 2)).toBe(true);
    expect(second.usedBytes).toBeLessThanOrEqual(90 * KIB);
    expect((await files()).some((f) => f.endsWith("old.bin") || f.endsWith("stray.bin"))).toBe(false);
    expect((await files()).some((f) => f.endsWith("young.bin.1.2.tmp"))).toBe(true);
  });

  it("removes every file of a media item", async () => {
    const cache = new MediaCache(root, 100 * KIB);
    await (await cache.put(media(1), "full", meta, Buffer.from("full")))?.handle.close();
    await (await cache.put(media(1), "thumb-96x96-crop", meta, Buffer.from("thumb")))?.handle.close();
    await cache.putFallback(media(1), "thumb-32x32-crop", meta);
    await (await cache.put(media(2), "full", meta, Buffer.from("other")))?.handle.close();
    expect((await files()).length).toBe(7);
    await cache.remove([media(1), media(9)]);
    expect((await files()).length).toBe(2);
    expect(await cache.get(media(1), "thumb-96x96-crop")).toBeUndefined();
    expect(await held(cache, 2)).toBe(true);
  });

  it("remembers a thumbnail answered by the full file without a copy of it", async () => {
    const cache = new MediaCache(root, 100 * KIB);
    await cache.putFallback(media(1), "thumb-320x240-scale", meta);
    expect(await cache.get(media(1), "thumb-320x240-scale")).toEqual({ meta: { ...meta, fallback: "full" } });
    expect((await files()).filter((f) => f.endsWith(".bin"))).toEqual([]);
  });

  it("keeps nothing with a budget of 0, nor a file bigger than the budget", async () => {
    const off = new MediaCache(root, 0);
    expect(off.enabled).toBe(false);
    expect(await off.put(media(1), "full", meta, Buffer.from("x"))).toBeUndefined();
    const small = new MediaCache(root, 10 * KIB);
    expect(await small.put(media(1), "full", meta, Buffer.alloc(11 * KIB))).toBeUndefined();
    expect(await files()).toEqual([]);
  });

  it("treats a file deleted behind its back as not cached", async () => {
    const cache = new MediaCache(root, 100 * KIB);
    await (await cache.put(media(1), "full", meta, Buffer.from("x")))?.handle.close();
    const bin = (await files()).find((f) => f.endsWith(".bin"))!;
    await rm(path.join(root, bin));
    expect(await held(cache, 1)).toBe(false);
  });
});

/** The directory name a media item's files live in (the hash the cache names it by). */
function hashDirOf(cache: MediaCache, n: number): string {
  return (cache as unknown as { dirKey(m: { serverName: string; mediaId: string }): string }).dirKey(media(n));
}
