import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendInvalidation } from "@/lib/page-cache/log";
import { PageCacheStore } from "@/lib/page-cache/store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const page = (html: string, tags: string[], status = 200) => ({ kind: "APP_PAGE", html, status, headers: { "x-next-cache-tags": tags.join(",") } });
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
});
