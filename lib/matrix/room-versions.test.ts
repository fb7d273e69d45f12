import { describe, expect, it } from "vitest";

import { findRoomVersion, getRoomVersion, SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";

describe("room versions", () => {
  it("implements exactly versions 1 to 12", () => {
    expect(SUPPORTED_ROOM_VERSIONS).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"]);
  });

  it("treats version strings as opaque", () => {
    expect(findRoomVersion("01")).toBeUndefined();
    expect(findRoomVersion("1.0")).toBeUndefined();
    expect(findRoomVersion("org.matrix.msc1234")).toBeUndefined();
    expect(() => getRoomVersion("13")).toThrow(expect.objectContaining({ code: "M_UNSUPPORTED_ROOM_VERSION" }));
  });

  it("matches the spec's room version tables (RV/v1 … RV/v12)", () => {
    const table = SUPPORTED_ROOM_VERSIONS.map((id) => {
      const v = getRoomVersion(id);
      return [
        id,
        v.eventIdFormat,
        v.redaction,
        v.canonicalJson,
        v.maxDepth === 2n ** 53n - 1n ? "2^53" : "2^63",
        v.enforceKeyValidity,
        v.redactsInContent,
        v.roomIdFromCreateEvent,
      ].join(" ");
    });
    expect(table).toEqual([
      "1 explicit v1 compat 2^63 false false false",
      "2 explicit v1 compat 2^63 false false false",
      "3 base64 v1 compat 2^63 false false false",
      "4 base64url v1 compat 2^63 false false false",
      "5 base64url v1 compat 2^63 true false false",
      "6 base64url v6 strict 2^53 true false false",
      "7 base64url v6 strict 2^53 true false false",
      "8 base64url v8 strict 2^53 true false false",
      "9 base64url v9 strict 2^53 true false false",
      "10 base64url v9 strict 2^53 true false false",
      "11 base64url v11 strict 2^53 true true false",
      "12 base64url v11 strict 2^53 true true true",
    ]);
  });
});
