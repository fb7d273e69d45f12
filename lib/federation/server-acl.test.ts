import { describe, expect, it } from "vitest";
import { isServerAllowedByAcl } from "@/lib/federation/server-acl";

describe("isServerAllowedByAcl", () => {
  it("allows by glob, deny wins, ports ignored, case-insensitive", () => {
    const acl = { allow: ["*"], deny: ["evil.example", "*.bad.example"] };
    expect(isServerAllowedByAcl(acl, "good.example")).toBe(true);
    expect(isServerAllowedByAcl(acl, "good.example:8448")).toBe(true);
    expect(isServerAllowedByAcl(acl, "EVIL.example:443")).toBe(false);
    expect(isServerAllowedByAcl(acl, "x.bad.example")).toBe(false);
    expect(isServerAllowedByAcl(acl, "bad.example")).toBe(true);
  });

  it("an empty or missing allow list allows nobody; ? matches one character", () => {
    expect(isServerAllowedByAcl({}, "a.example")).toBe(false);
    expect(isServerAllowedByAcl({ allow: ["hs?.example"] }, "hs1.example")).toBe(true);
    expect(isServerAllowedByAcl({ allow: ["hs?.example"] }, "hs10.example")).toBe(false);
  });

  it("can refuse IP literals", () => {
    expect(isServerAllowedByAcl({ allow: ["*"], allow_ip_literals: false }, "127.0.0.1:8448")).toBe(false);
    expect(isServerAllowedByAcl({ allow: ["*"], allow_ip_literals: false }, "[::1]:8448")).toBe(false);
    expect(isServerAllowedByAcl({ allow: ["*"] }, "127.0.0.1:8448")).toBe(true);
  });
});
