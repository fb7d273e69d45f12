import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPage, prunePages } from "@/lib/page-cache/disk-tier";
import { appendInvalidation } from "@/lib/page-cache/log";
import { PageCacheStore } from "@/lib/page-cache/store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const page = (html: string, tags: string[], status = 200) => ({ kind: "APP_PAGE", html, status, headers: { "x-next-cache-tags": tags.join(",") } });
/** A past day's lifetime (until midnight: hours), long enough for the database tier. */
const PAST_DAY = { revalidate: 36_000, expire: 36_000 };
const DISK = { maxBytes: 1 << 24, build: "build-1" };
const diskStore = (build = DISK.build) => new PageCacheStore(() => db.prisma, 1 << 20, { disk: { ...DISK, build } });
const dayKey = (path: string) => `/route-cache/APP_PAGE/0a1b/$${path}`;
/** set() writes to the database after it returns; this waits for that write. */
async function settled(key: string) {
  for (let i = 0; i < 200 && (await db.prisma.pageCachePage.count({ where: { key } })) === 0; i++) await new Promise((r) => setTimeout(r, 10));
}
const write = (tags: string[]) => db.prisma.$transaction((tx) => appendInvalidation(tx, tags));

/** A render as Next.js does it: a miss, then the result handed to set. */
async function render(store: PageCacheStore, key: string, html: string, tags: string[]) {
  expect(await store.get(key)).toBeNull();
  store.set(key, page(html, tags), undefined);
}

describe("PageCacheStore", () => {
  it("answers a page until a write names one of its tags, and only that page", async () => {
    const store = new PageCacheStore(() => db.prisma, 1 << 20);
    await render(store, "/one", "one", ["r:a", "d:a:1"]);
    await render(store, "/two", "two", ["r:a", "d:a:2"]);
    expect((await store.get("/one"))?.value.html).toBe("one");
    await write(["d:a:2"]);
    expect((await store.get("/one"))?.value.html).toBe("one");
    expect(await store.get("/two")).toBeNull();
    await write(["r:a"]);
    expect(await store.get("/one")).toBeNull();
  });

  it("sees a write made through another instance on its next request", async () => {
    const a = new PageCacheStore(() => db.prisma, 1 << 20);
    const b = new PageCacheStore(() => db.prisma, 1 << 20);
    await render(a, "/day", "a", ["r:b"]);
    await render(b, "/day", "b", ["r:b"]);
    await write(["r:b"]);
    expect(await a.get("/day")).toBeNull();
    expect(await b.get("/day")).toBeNull();
  });

  it("does not keep a render that began before a write it could not see", async () => {
    const store = new PageCacheStore(() => db.prisma, 1 << 20);
    await store.sync();
    expect(await store.get("/race")).toBeNull(); // the render reads the database from here
    await write(["d:c:1"]); // a write commits while it renders
    store.set("/race", page("old", ["r:c", "d:c:1"]), undefined);
    expect(await store.get("/race")).toBeNull();
  });

  it("keeps only 200 answers that declared the archive's tags, within its memory", async () => {
    const store = new PageCacheStore(() => db.prisma, 3_000);
    expect(await store.get("/404")).toBeNull();
    store.set("/404", page("gone", ["r:d"], 404), undefined);
    expect(await store.get("/404")).toBeNull();
    expect(await store.get("/untagged")).toBeNull();
    store.set("/untagged", page("x", ["_N_T_/layout"]), undefined);
    expect(await store.get("/untagged")).toBeNull();
    for (const key of ["/a", "/b", "/c", "/d", "/e"]) await render(store, key, "x".repeat(350), ["r:d"]);
    expect(await store.get("/a")).toBeNull(); // the least recently used went first
    expect((await store.get("/e"))?.value.html).toHaveLength(350);
    expect(store.snapshot().bytes).toBeLessThanOrEqual(3_000);
  });

  it("peeks a page by its path as exactly as get answers it, and renders nothing on a miss", async () => {
    const store = new PageCacheStore(() => db.prisma, 1 << 20);
    const key = "/route-cache/APP_PAGE/0a1b/$/r/e:hs.test/date/2026/11/28";
    expect(await store.peek("/r/e:hs.test/date/2026/11/28")).toBeNull();
    await render(store, key, "day", ["r:e", "d:e:1"]);
    expect((await store.peek("/r/e:hs.test/date/2026/11/28"))?.value.html).toBe("day");
    expect(await store.peek("/r/e:hs.test/date/2026/11/29")).toBeNull();
    await write(["d:e:1"]);
    expect(await store.peek("/r/e:hs.test/date/2026/11/28")).toBeNull();
    expect(await store.get(key)).toBeNull();
    // A miss of peek notes no render: a page set without a miss of get before it is not kept.
    expect(await store.peek("/r/e:hs.test/date/2026/11/30")).toBeNull();
    store.set("/route-cache/APP_PAGE/0a1b/$/r/e:hs.test/date/2026/11/30", page("unasked", ["r:e"]), undefined);
    expect(await store.peek("/r/e:hs.test/date/2026/11/30")).toBeNull();
  });

  it("with a count of this process's writes (PGlite), reads the log only after a write", async () => {
    // The count is the database's own on PGlite (lib/db.ts); on a Postgres server, where there
    // is none, the test keeps one itself, bumped after each of its writes.
    let ownCount = 0;
    const localWrites = db.localWrites ?? (() => ownCount);
    let reads = 0;
    const counted = new Proxy(db.prisma, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "$queryRaw") reads++;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as typeof db.prisma;
    const store = new PageCacheStore(() => counted, 1 << 20, { localWrites });
    const path = "/r/w:hs.test/date/2026/11/27";
    await render(store, dayKey(path), "kept", ["r:w", "d:w:1"]);
    const afterRender = reads;
    for (let i = 0; i < 5; i++) expect((await store.peek(path))?.value.html).toBe("kept");
    expect((await store.get(dayKey(path)))?.value.html).toBe("kept");
    expect(reads).toBe(afterRender);
    await write(["d:w:2"]);
    ownCount++;
    expect((await store.peek(path))?.value.html).toBe("kept");
    expect(reads).toBeGreaterThan(afterRender);
    await write(["d:w:1"]);
    ownCount++;
    expect(await store.peek(path)).toBeNull();
  });

  it("never lets a request share a log read that began before it arrived", async () => {
    // Every query's answer is held until `release`: the first read is still under way when a
    // write commits, and a request arriving after that commit must see the write.
    let release: () => void = () => {};
    let held = Promise.resolve();
    const slow = new Proxy(db.prisma, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== "$queryRaw") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          const rows = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          await held;
          return rows;
        };
      },
    }) as typeof db.prisma;
    const store = new PageCacheStore(() => slow, 1 << 20);
    await render(store, "/route-cache/APP_PAGE/0a1b/$/r/f:hs.test/date/2026/11/28", "before", ["r:f"]);
    held = new Promise((resolve) => (release = resolve));
    const early = store.peek("/r/f:hs.test/date/2026/11/28"); // its read of the log is now held
    await new Promise((resolve) => setTimeout(resolve, 50));
    await write(["r:f"]);
    const late = store.peek("/r/f:hs.test/date/2026/11/28"); // arrives after the write committed
    release();
    await early;
    expect(await late).toBeNull();
  });

  describe("after a soft change (new messages of today)", () => {
    const TODAY = { revalidate: 60, expire: 31_536_000 };
    const softWrite = (tags: string[]) => db.prisma.$transaction((tx) => appendInvalidation(tx, tags, true));
    const PATH = "/r/s:hs.test/date/2026/12/03";

    it("renders the page for the next request, and answers concurrent ones with the old render meanwhile", async () => {
      const store = new PageCacheStore(() => db.prisma, 1 << 20);
      const key = dayKey(PATH);
      expect(await store.get(key)).toBeNull();
      store.set(key, page("before", ["r:s", "d:s:1"]), TODAY);
      await softWrite(["d:s:1"]);
      // The first request after the change: no render under way, so the fast path leaves it to
      // Next.js, whose get misses and renders.
      expect(await store.peek(PATH)).toBeNull();
      expect(await store.get(key)).toBeNull();
      // While that render runs, the fast path answers with the old render, marked stale.
      const meanwhile = await store.peek(PATH);
      expect(meanwhile?.value.html).toBe("before");
      expect(meanwhile?.stale).toBe(true);
      store.set(key, page("after", ["r:s", "d:s:1"]), TODAY);
      const fresh = await store.peek(PATH);
      expect(fresh?.value.html).toBe("after");
      expect(fresh?.stale).toBeUndefined();
      expect(store.snapshot().stale).toBe(1);
    });

    it("answers stale only for a while, and never after a hard change", async () => {
      const store = new PageCacheStore(() => db.prisma, 1 << 20);
      const key = dayKey("/r/t:hs.test/date/2026/12/03");
      expect(await store.get(key)).toBeNull();
      store.set(key, page("before", ["r:t", "d:t:1"]), TODAY);
      await softWrite(["d:t:1"]);
      expect(await store.get(key)).toBeNull(); // a render begins, and never ends
      expect((await store.peek("/r/t:hs.test/date/2026/12/03"))?.stale).toBe(true);
      expect(await store.peek("/r/t:hs.test/date/2026/12/03", Date.now() + 31_000), "a render that never ended stops counting").toBeNull();
      await write(["d:t:1"]);
      expect(await store.peek("/r/t:hs.test/date/2026/12/03")).toBeNull();
      expect(await store.get(key)).toBeNull();
    });
  });

  describe("kept in the database", () => {
    it("answers a past day after a restart and through another instance without rendering, until a write names it", async () => {
      const key = dayKey("/r/g:hs.test/date/2026/11/28");
      const first = diskStore();
      expect(await first.get(key)).toBeNull();
      first.set(key, { ...page("day g", ["r:g", "d:g:1"]), rscData: Buffer.from("rsc") }, PAST_DAY);
      await settled(key);
      const restarted = diskStore(); // a new process: nothing in memory
      const back = await restarted.peek("/r/g:hs.test/date/2026/11/28");
      expect(back?.value.html).toBe("day g");
      expect(Buffer.from(back!.value.rscData!).toString()).toBe("rsc");
      expect(back?.cacheControl).toEqual(PAST_DAY);
      expect(restarted.snapshot()).toMatchObject({ fromDisk: 1, misses: 0 });
      expect((await diskStore().get(key))?.value.html).toBe("day g");
      // A write while a process is down (or through another instance) reaches it on its next request.
      await write(["d:g:1"]);
      expect(await diskStore().get(key)).toBeNull();
      expect(await restarted.get(key)).toBeNull();
      expect(await db.prisma.pageCachePage.count({ where: { key } })).toBe(0); // the write deleted it
    });

    it("never answers a page another build rendered (its HTML names that build's assets)", async () => {
      const key = dayKey("/r/m:hs.test/date/2026/11/28");
      const first = diskStore("build-1");
      expect(await first.get(key)).toBeNull();
      first.set(key, page("m", ["r:m"]), PAST_DAY);
      await settled(key);
      expect(await diskStore("build-2").get(key)).toBeNull();
      expect((await diskStore("build-1").get(key))?.value.html).toBe("m");
    });

    it("deletes a room's pages in the write that purges or redacts, and keeps other rooms'", async () => {
      const store = diskStore();
      for (const [room, day] of [
        ["h", "1"],
        ["h", "2"],
        ["i", "1"],
      ]) {
        const key = dayKey(`/r/${room}:hs.test/date/2026/11/0${day}`);
        expect(await store.get(key)).toBeNull();
        store.set(key, page(`${room}${day}`, [`r:${room}`, `d:${room}:${day}`]), PAST_DAY);
        await settled(key);
      }
      await write(["r:h"]);
      const left = await db.prisma.pageCachePage.findMany({ where: { path: { contains: ":hs.test/" } }, select: { path: true } });
      expect(left.map((r) => r.path).filter((p) => /\/r\/[hi]:/.test(p))).toEqual(["/r/i:hs.test/date/2026/11/01"]);
    });

    it("never answers a render that a write it could not see overtook, even once it is written after that write", async () => {
      const key = dayKey("/r/j:hs.test/date/2026/11/28");
      const store = diskStore();
      expect(await store.get(key)).toBeNull(); // the render reads the database from here
      await write(["d:j:1"]); // a write commits while it renders: its delete finds nothing yet
      store.set(key, page("old", ["r:j", "d:j:1"]), PAST_DAY);
      await settled(key);
      expect(await diskStore().get(key)).toBeNull();
      expect(await db.prisma.pageCachePage.count({ where: { key } })).toBe(0); // found stale, deleted
    });

    it("cannot vouch for a page older than what the log still holds", async () => {
      const key = dayKey("/r/k:hs.test/date/2026/11/28");
      const store = diskStore();
      expect(await store.get(key)).toBeNull();
      store.set(key, page("k", ["r:k"]), PAST_DAY);
      await settled(key);
      await write(["r:unrelated"]);
      // The entries after the page's position are pruned before anyone reads them.
      await db.prisma.$executeRaw`DELETE FROM page_cache_invalidations`;
      expect(await diskStore().get(key)).toBeNull();
    });

    it("keeps only pages that live longer than a few minutes, within their lifetime and its space", async () => {
      const store = new PageCacheStore(() => db.prisma, 1 << 20, { disk: { maxBytes: 2_500, build: DISK.build } });
      const today = dayKey("/r/l:hs.test/date/2026/12/03");
      expect(await store.get(today)).toBeNull();
      store.set(today, page("today", ["r:l"]), { revalidate: 60, expire: 60 });
      await new Promise((r) => setTimeout(r, 50));
      expect(await db.prisma.pageCachePage.count({ where: { key: today } })).toBe(0);
      for (const day of ["01", "02", "03"]) {
        const key = dayKey(`/r/l:hs.test/date/2026/11/${day}`);
        expect(await store.get(key)).toBeNull();
        store.set(key, page("x".repeat(1_000), ["r:l"]), PAST_DAY);
        await settled(key);
      }
      await prunePages(db.prisma, 2_500);
      const left = await db.prisma.pageCachePage.findMany({ where: { path: { startsWith: "/r/l:" } }, select: { path: true } });
      expect(left.map((r) => r.path).sort()).toEqual(["/r/l:hs.test/date/2026/11/02", "/r/l:hs.test/date/2026/11/03"]);
      // Past its lifetime a row is not answered, and pruning drops it.
      const later = Date.now() + 36_001_000;
      expect(await loadPage(db.prisma, DISK.build, { path: "/r/l:hs.test/date/2026/11/03" })).toBeDefined();
      expect(await loadPage(db.prisma, DISK.build, { path: "/r/l:hs.test/date/2026/11/03" }, later)).toBeUndefined();
      await prunePages(db.prisma, 2_500, later);
      expect(await db.prisma.pageCachePage.count({ where: { path: { startsWith: "/r/l:" } } })).toBe(0);
    });
  });
});
