import { describe, expect, it } from "vitest";
import { mediaPath, parseMxcUri } from "@/lib/render/media-path";

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
    expect(mediaPath("javascript:alert(1)")).toBeUndefined();
  });
});
