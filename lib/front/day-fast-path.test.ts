import { describe, expect, it } from "vitest";
import { cacheKeyFor, isFresh } from "@/lib/front/day-fast-path";
import type { CachedEntry } from "@/lib/page-cache/store";

describe("cacheKeyFor", () => {
  const day = "/r/lobby%3Ahs.test/date/2026/11/28";

  it("keys a plain document request of a day page by its decoded path", () => {
    expect(cacheKeyFor("GET", day, {})).toEqual({ key: "/r/lobby:hs.test/date/2026/11/28", pathname: day });
    expect(cacheKeyFor("HEAD", "/roomid/!abc%3Ahs.test/date/2026/11/28T10:30", {})?.key).toBe("/roomid/!abc:hs.test/date/2026/11/28T10:30");
  });

  it("moves a day cursor into the path as proxy.ts does", () => {
    expect(cacheKeyFor("GET", `${day}?after=%24ev1`, {})?.key).toBe("/r/lobby:hs.test/date/2026/11/28/after-$ev1");
    expect(cacheKeyFor("GET", `${day}?before=d%3A%24ev1`, {})?.key).toBe("/r/lobby:hs.test/date/2026/11/28/before-d:$ev1");
  });

  it("leaves every other variant of the page to Next.js", () => {
    expect(cacheKeyFor("POST", day, {})).toBeUndefined();
    for (const header of ["rsc", "next-router-prefetch", "next-router-segment-prefetch", "next-router-state-tree", "next-action"]) {
      expect(cacheKeyFor("GET", day, { [header]: "1" }), header).toBeUndefined();
    }
    expect(cacheKeyFor("GET", day, { cookie: "a=b; __prerender_bypass=x" })).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}?_rsc=abc`, {})).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}?after=%24ev1&_rsc=abc`, {})).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}?after=notacursor`, {})).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}?utm=x`, {})).toBeUndefined();
    expect(cacheKeyFor("GET", "/r/lobby%3Ahs.test", {})).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}/`, {})).toBeUndefined();
  });

  it("takes no path whose decoded segments Next.js might key otherwise", () => {
    expect(cacheKeyFor("GET", "/r/lob%25by/date/2026/11/28", {})).toBeUndefined();
    expect(cacheKeyFor("GET", "/r/lob%2Fby/date/2026/11/28", {})).toBeUndefined();
    expect(cacheKeyFor("GET", "/r/lob%3Fby/date/2026/11/28", {})).toBeUndefined();
    expect(cacheKeyFor("GET", `${day}?after=%24a%2525`, {})).toBeUndefined();
  });
});

describe("isFresh", () => {
  const at = 1_000_000;
  const entry = (cacheControl: unknown): CachedEntry => ({ value: { kind: "APP_PAGE", html: "" }, lastModified: at, cacheControl });

  it("is fresh within the page's lifetime and not after it", () => {
    expect(isFresh(entry({ revalidate: 60, expire: undefined }), at + 59_000)).toBe(true);
    expect(isFresh(entry({ revalidate: 60, expire: undefined }), at + 61_000)).toBe(false);
    expect(isFresh(entry({ revalidate: false, expire: undefined }), at + 1e12)).toBe(true);
    expect(isFresh(entry({ revalidate: false, expire: 30 }), at + 31_000)).toBe(false);
  });

  it("is never fresh without a lifetime or with none to speak of", () => {
    expect(isFresh(entry(undefined), at)).toBe(false);
    expect(isFresh(entry({ revalidate: 0 }), at)).toBe(false);
  });
});
