import { describe, expect, it } from "vitest";
import { cacheControlFor, cursorSegmentFor, surrogateKeysFor } from "@/lib/page-cache/day-urls";

describe("cacheControlFor", () => {
  const now = new Date("2026-11-29T12:00:00Z");
  const served = () => true;
  it("lets shared caches keep past days long and today briefly", () => {
    expect(cacheControlFor("/r/lobby%3Aexample.org/date/2026/11/28", now, served)).toContain("s-maxage=3600");
    expect(cacheControlFor("/roomid/abc%3Aexample.org/date/2026/11/29T13:30", now, served)).toContain("s-maxage=30");
  });
  it("makes browsers revalidate, so a reader who filled a gap never gets the page with the gap back", () => {
    expect(cacheControlFor("/r/lobby%3Aexample.org/date/2026/11/28", now, served)).toMatch(/(^|, )max-age=0(,|$)/);
    expect(cacheControlFor("/r/lobby%3Aexample.org/date/2026/11/29", now, served)).toMatch(/(^|, )max-age=0(,|$)/);
  });
  it("gives no shared-cache lifetime to a room it has not served or to a day after today (their 404s must not outlive a join)", () => {
    expect(cacheControlFor("/r/unknown%3Aexample.org/date/2026/11/28", now, () => false)).toBe("public, max-age=0, must-revalidate");
    expect(cacheControlFor("/r/lobby%3Aexample.org/date/2026/11/30", now, served)).toBe("public, max-age=0, must-revalidate");
    const asked: string[] = [];
    cacheControlFor("/r/lobby%3Aexample.org/date/2026/11/28", now, (kind, segment) => (asked.push(`${kind}/${segment}`), true));
    expect(asked).toEqual(["r/lobby%3Aexample.org"]);
  });
  it("leaves other paths alone", () => {
    expect(cacheControlFor("/r/lobby%3Aexample.org", now, served)).toBeUndefined();
    expect(cacheControlFor("/_matrix/federation/v1/version", now, served)).toBeUndefined();
  });
});

describe("surrogateKeysFor", () => {
  it("names the room as the URL does and the day", () => {
    expect(surrogateKeysFor("/r/lobby%3Aexample.org/date/2026/11/28T10:00")).toEqual(["room/r/lobby%3Aexample.org", "day/r/lobby%3Aexample.org/2026-11-28"]);
    expect(surrogateKeysFor("/r/lobby%3Aexample.org/feed.xml")).toBeUndefined();
  });
});

describe("cursorSegmentFor", () => {
  it("moves a day page's cursor into a path segment, and ignores what is no cursor", () => {
    expect(cursorSegmentFor(new URLSearchParams("after=%24abc"))).toBe("after-%24abc");
    expect(cursorSegmentFor(new URLSearchParams("before=d%3A%24abc"))).toBe("before-d%3A%24abc");
    expect(cursorSegmentFor(new URLSearchParams("after=nonsense"))).toBeUndefined();
    expect(cursorSegmentFor(new URLSearchParams(`after=$${"x".repeat(300)}`))).toBeUndefined();
  });
});
