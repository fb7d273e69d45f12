import { describe, expect, it } from "vitest";
import { mediaPath, parseMxcUri, THUMBNAIL_SIZES, thumbnailSizeFor, thumbnailVariant } from "@/lib/render/media-path";

describe("parseMxcUri", () => {
  it("accepts server names with ports and IP literals", () => {
    expect(parseMxcUri("mxc://localhost:8448/abc")).toEqual({ serverName: "localhost:8448", mediaId: "abc" });
    expect(parseMxcUri("mxc://[::1]:8448/a_b-C")).toEqual({ serverName: "[::1]:8448", mediaId: "a_b-C" });
  });

  it.each(["https://hs.test/abc", "mxc://hs.test/", "mxc:///abc", "mxc://hs.test/a/b", "mxc://hs.test/a?x=1", "mxc://hs test/a", "mxc://hs.test/%2e%2e"])(
    "refuses %s",
    (uri) => expect(parseMxcUri(uri)).toBeUndefined(),
  );
});

describe("mediaPath", () => {
  it("builds proxy paths with an optional thumbnail size", () => {
    expect(mediaPath("mxc://localhost:8448/abc")).toBe("/media/localhost%3A8448/abc");
    expect(mediaPath("mxc://hs.test/abc", { thumbnail: { width: 320, height: 240.4 } })).toBe("/media/hs.test/abc?thumbnail=320x240");
    expect(mediaPath("mxc://hs.test/abc", { thumbnail: { width: 32, height: 32 }, blankIfMissing: true })).toBe(
      "/media/hs.test/abc?thumbnail=32x32&missing=blank",
    );
    expect(mediaPath("mxc://hs.test/abc", { blankIfMissing: true })).toBe("/media/hs.test/abc?missing=blank");
    expect(mediaPath("javascript:alert(1)")).toBeUndefined();
  });
});

describe("thumbnailSizeFor", () => {
  const named = (param: string) => {
    const size = thumbnailSizeFor(param);
    return size && `${size.width}x${size.height} ${size.method}`;
  };

  it("keeps the sizes of the set as they are", () => {
    for (const s of THUMBNAIL_SIZES) expect(thumbnailSizeFor(`${s.width}x${s.height}`)).toEqual(s);
  });

  it("maps any other size to the smallest of the set at least as large, or the largest", () => {
    expect(named("1x1")).toBe("32x32 crop");
    expect(named("33x10")).toBe("96x96 crop");
    expect(named("100x50")).toBe("320x240 scale");
    expect(named("300x300")).toBe("640x480 scale");
    expect(named("641x1")).toBe("800x600 scale");
    expect(named("801x601")).toBe("800x600 scale");
    expect(named("4096x4096")).toBe("800x600 scale");
  });

  it.each(["", "0x10", "10x0", "4097x10", "10x99999", "010x10", "-1x5", "1x", "x1", "1.5x2", "1X2", " 1x2", "1x2&x", "1e3x1"])("refuses %j", (param) =>
    expect(thumbnailSizeFor(param)).toBeUndefined(),
  );

  it("names one cache entry per size: every request maps onto at most that many", () => {
    const variants = new Set<string>();
    for (let w = 1; w <= 1000; w += 7) for (let h = 1; h <= 1000; h += 11) variants.add(thumbnailVariant(thumbnailSizeFor(`${w}x${h}`)!));
    expect(variants.size).toBe(THUMBNAIL_SIZES.length);
  });
});
