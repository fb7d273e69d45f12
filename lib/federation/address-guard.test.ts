import { describe, expect, it } from "vitest";
import { AddressPolicyError, createAddressPolicy } from "@/lib/federation/address-guard";

describe("createAddressPolicy", () => {
  const strict = createAddressPolicy([]);

  it("refuses private, loopback, link-local and other special ranges by default", () => {
    for (const ip of [
      "127.0.0.1",
      "127.8.9.10",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "::1",
      "::",
      "fe80::1",
      "fd12:3456::1",
      "fc00::1",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "::ffff:7f00:1",
    ]) {
      expect(strict.allows(ip), ip).toBe(false);
    }
  });

  it("allows public addresses", () => {
    for (const ip of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) {
      expect(strict.allows(ip), ip).toBe(true);
    }
  });

  it("rejects things that are not IP addresses", () => {
    expect(strict.allows("localhost")).toBe(false);
    expect(strict.allows("")).toBe(false);
  });

  it("the loopback keyword opens loopback only, both families", () => {
    const policy = createAddressPolicy(["loopback"]);
    expect(policy.allows("127.0.0.1")).toBe(true);
    expect(policy.allows("::1")).toBe(true);
    expect(policy.allows("::ffff:127.0.0.1")).toBe(true);
    expect(policy.allows("10.0.0.1")).toBe(false);
    expect(policy.allows("169.254.169.254")).toBe(false);
  });

  it("CIDR entries open exactly their range", () => {
    const policy = createAddressPolicy(["10.1.0.0/16", "fd00::/8", "192.168.5.5"]);
    expect(policy.allows("10.1.200.3")).toBe(true);
    expect(policy.allows("10.2.0.1")).toBe(false);
    expect(policy.allows("fd00::5")).toBe(true);
    expect(policy.allows("fe80::1")).toBe(false);
    expect(policy.allows("192.168.5.5")).toBe(true);
    expect(policy.allows("192.168.5.6")).toBe(false);
    expect(policy.allows("127.0.0.1")).toBe(false);
  });

  it("rejects malformed entries with a clear error", () => {
    expect(() => createAddressPolicy(["everything"])).toThrow(AddressPolicyError);
    expect(() => createAddressPolicy(["10.0.0.0/33"])).toThrow(/prefix/);
    expect(() => createAddressPolicy(["10.0.0.0/8/1"])).toThrow(AddressPolicyError);
    expect(() => createAddressPolicy(["10.0.0.0/x"])).toThrow(/prefix/);
  });
});
