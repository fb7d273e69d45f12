import { describe, expect, it } from "vitest";
import { createSupportMemory, isUnsupportedEndpoint } from "@/lib/federation/unsupported";

describe("isUnsupportedEndpoint", () => {
  it("recognises MSC3743 and legacy 'unknown endpoint' answers", () => {
    expect(isUnsupportedEndpoint(404, '{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}')).toBe(true);
    expect(isUnsupportedEndpoint(405, '{"errcode":"M_UNRECOGNIZED"}')).toBe(true);
    expect(isUnsupportedEndpoint(400, '{"errcode":"M_UNRECOGNIZED"}')).toBe(true);
    expect(isUnsupportedEndpoint(404, "404 page not found")).toBe(true);
    expect(isUnsupportedEndpoint(404, "")).toBe(true);
    expect(isUnsupportedEndpoint(404, "<html><body>Not Found</body></html>")).toBe(true);
  });

  it("does not take real answers for missing support", () => {
    expect(isUnsupportedEndpoint(404, '{"errcode":"M_NOT_FOUND","error":"no such event"}')).toBe(false);
    expect(isUnsupportedEndpoint(404, '""')).toBe(false);
    expect(isUnsupportedEndpoint(400, '{"errcode":"M_INVALID_PARAM"}')).toBe(false);
    expect(isUnsupportedEndpoint(400, "bad request")).toBe(false);
    expect(isUnsupportedEndpoint(403, '{"errcode":"M_UNRECOGNIZED"}')).toBe(false);
    expect(isUnsupportedEndpoint(200, '{"pdus":[]}')).toBe(false);
    expect(isUnsupportedEndpoint(500, "")).toBe(false);
  });
});

describe("createSupportMemory", () => {
  it("remembers per server and feature, and forgets after the TTL", () => {
    let now = 1000;
    const memory = createSupportMemory(500, () => now);
    memory.markUnsupported("a.example", "forwards_fill");
    expect(memory.isKnownUnsupported("a.example", "forwards_fill")).toBe(true);
    expect(memory.isKnownUnsupported("b.example", "forwards_fill")).toBe(false);
    expect(memory.isKnownUnsupported("a.example", "other")).toBe(false);
    now = 1499;
    expect(memory.isKnownUnsupported("a.example", "forwards_fill")).toBe(true);
    now = 1500;
    expect(memory.isKnownUnsupported("a.example", "forwards_fill")).toBe(false);
    memory.markUnsupported("a.example", "forwards_fill");
    memory.markSupported("a.example", "forwards_fill");
    expect(memory.isKnownUnsupported("a.example", "forwards_fill")).toBe(false);
  });
});
