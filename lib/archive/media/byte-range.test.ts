import { describe, expect, it } from "vitest";
import { rangeFor } from "@/lib/archive/media/byte-range";

const ETAG = '"abc-10"';

describe("rangeFor", () => {
  it("answers one range of the file", () => {
    expect(rangeFor("bytes=0-3", 10, null, ETAG)).toEqual({ kind: "partial", start: 0, end: 3 });
    expect(rangeFor("bytes=4-", 10, null, ETAG)).toEqual({ kind: "partial", start: 4, end: 9 });
    expect(rangeFor("bytes=-3", 10, null, ETAG)).toEqual({ kind: "partial", start: 7, end: 9 });
    expect(rangeFor("bytes=8-100", 10, null, ETAG)).toEqual({ kind: "partial", start: 8, end: 9 });
    // Overlapping ranges combine into one.
    expect(rangeFor("bytes=0-4,3-6", 10, null, ETAG)).toEqual({ kind: "partial", start: 0, end: 6 });
  });

  it("says when no byte of the range exists", () => {
    expect(rangeFor("bytes=10-", 10, null, ETAG)).toEqual({ kind: "unsatisfiable" });
    expect(rangeFor("bytes=20-30", 10, null, ETAG)).toEqual({ kind: "unsatisfiable" });
    expect(rangeFor("bytes=0-0", 0, null, ETAG)).toEqual({ kind: "unsatisfiable" });
  });

  it("answers the whole file for no range, other units, several ranges, garbage, or another version", () => {
    expect(rangeFor(null, 10, null, ETAG)).toEqual({ kind: "full" });
    expect(rangeFor("items=0-3", 10, null, ETAG)).toEqual({ kind: "full" });
    expect(rangeFor("bytes=0-1,5-6", 10, null, ETAG)).toEqual({ kind: "full" });
    expect(rangeFor("nonsense", 10, null, ETAG)).toEqual({ kind: "full" });
    expect(rangeFor(`bytes=${"0-1,".repeat(100)}0-1`, 10, null, ETAG)).toEqual({ kind: "full" });
    expect(rangeFor("bytes=0-3", 10, '"other-10"', ETAG)).toEqual({ kind: "full" });
    expect(rangeFor("bytes=0-3", 10, ETAG, ETAG)).toEqual({ kind: "partial", start: 0, end: 3 });
  });
});
