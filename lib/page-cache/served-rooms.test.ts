import { describe, expect, it } from "vitest";
import { isServedRoom, noteServedRoom } from "@/lib/page-cache/served-rooms";

describe("served rooms", () => {
  it("matches a room however its URL segment is encoded, and forgets a room no longer served", () => {
    expect(isServedRoom("r", "served%3Ahs.test")).toBe(false);
    noteServedRoom("r", "served:hs.test", true);
    expect(isServedRoom("r", "served%3Ahs.test")).toBe(true);
    expect(isServedRoom("r", "served:hs.test")).toBe(true);
    expect(isServedRoom("roomid", "served:hs.test")).toBe(false);
    noteServedRoom("r", "served%3Ahs.test", false);
    expect(isServedRoom("r", "served:hs.test")).toBe(false);
  });

  it("names a room with or without its sigil, and survives malformed escapes", () => {
    noteServedRoom("roomid", "!abc:hs.test", true);
    expect(isServedRoom("roomid", "abc%3Ahs.test")).toBe(true);
    expect(isServedRoom("r", "%E0%A4%A")).toBe(false);
  });
});
