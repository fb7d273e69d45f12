import { describe, expect, it } from "vitest";
import { adminAuthorized } from "@/lib/federation/inbound/admin";

describe("the operator API's token check", () => {
  const token = "0123456789abcdef-operator";

  it("accepts the token only as a Bearer credential", () => {
    expect(adminAuthorized(`Bearer ${token}`, token)).toBe(true);
    expect(adminAuthorized(`bearer ${token}`, token)).toBe(true);
    expect(adminAuthorized(token, token)).toBe(false);
    expect(adminAuthorized(`Basic ${token}`, token)).toBe(false);
    expect(adminAuthorized(`Bearer${token}`, token)).toBe(false);
    expect(adminAuthorized(`Bearer ${token} extra`, token)).toBe(false);
    expect(adminAuthorized(null, token)).toBe(false);
    expect(adminAuthorized("", token)).toBe(false);
  });

  it("refuses any other token, of any length", () => {
    for (const given of ["", "x", token.slice(0, -1), `${token}x`, token.toUpperCase(), "a".repeat(10_000)]) {
      expect(adminAuthorized(`Bearer ${given}`, token), given.slice(0, 30)).toBe(false);
    }
  });
});
