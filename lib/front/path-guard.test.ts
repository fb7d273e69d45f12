import { describe, expect, it } from "vitest";
import { undecodablePathResponse } from "@/lib/front/path-guard";

describe("undecodablePathResponse", () => {
  it("answers a federation path with a malformed escape with a Matrix error", () => {
    for (const target of ["/_matrix/federation/v1/event/%", "/_matrix/key/v2/server/%zz", "/_matrix/federation/v1/event/%ED%A0%80?x=1"]) {
      const res = undecodablePathResponse(target);
      expect(res?.status, target).toBe(400);
      expect(res?.headers["content-type"]).toBe("application/json");
      expect(JSON.parse(res!.body)).toMatchObject({ errcode: "M_UNRECOGNIZED" });
    }
  });

  it("answers any other path with a malformed escape with a small HTML page", () => {
    for (const target of ["/r/%zz", "/%", "/r/lobby%3Ahs.test/date/2026/11/%E0%A4%A"]) {
      const res = undecodablePathResponse(target);
      expect(res?.status, target).toBe(400);
      expect(res?.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res?.body).toContain("<h1>Bad request</h1>");
    }
  });

  it("leaves paths that decode alone, whatever their query says", () => {
    for (const target of ["/", "/r/lobby%3Ahs.test/date/2026/11/28", "/_matrix/federation/v1/event/%24abc", "/r/%25zz", "/search?q=%zz", "/x#%"]) {
      expect(undecodablePathResponse(target), target).toBeNull();
    }
  });
});
