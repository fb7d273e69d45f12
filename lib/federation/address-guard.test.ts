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

  it("refuses every IPv6 form that carries an IPv4 address or reaches a private network, in any spelling", () => {
    const refused: Record<string, string[]> = {
      "::/96 (IPv4-compatible)": ["::127.0.0.1", "::7f00:1", "::8.8.8.8", "0:0:0:0:0:0:808:808", "::2"],
      "::ffff:0:0/96 (IPv4-mapped) of a private address": [
        "::ffff:127.0.0.1",
        "::FFFF:127.0.0.1",
        "::ffff:7f00:1",
        "::ffff:7F00:0001",
        "0:0:0:0:0:ffff:7f00:1",
        "0000:0000:0000:0000:0000:ffff:127.0.0.1",
        "::ffff:a9fe:a9fe",
        "::ffff:0.0.0.0",
        "::ffff:169.254.169.254",
      ],
      "::ffff:0:0:0/96 (IPv4-translated)": ["::ffff:0:127.0.0.1", "::ffff:0:808:808"],
      "64:ff9b::/96 (NAT64)": ["64:ff9b::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::8.8.8.8", "0064:ff9b:0000::0a00:0001"],
      "64:ff9b:1::/48 (local NAT64)": ["64:ff9b:1::1", "64:ff9b:1:ffff::a00:1"],
      "2002::/16 (6to4)": ["2002:7f00:1::", "2002:c0a8:101::1", "2002:808:808::1"],
      "2001::/32 (Teredo)": ["2001:0:4136:e378:8000:63bf:3fff:fdd2"],
      "fc00::/7 (unique local)": ["fc00::1", "fdff:ffff::1", "FD00::1"],
      "fe80::/10 (link-local)": ["fe80::1", "fe80::1%eth0", "febf::1"],
      "ff00::/8 (multicast)": ["ff02::1", "ff0e::1"],
      "IPv4 special ranges": [
        "192.0.0.8",
        "192.0.2.1",
        "192.88.99.1",
        "198.18.0.1",
        "198.19.255.255",
        "198.51.100.1",
        "203.0.113.1",
        "239.255.255.250",
        "240.0.0.1",
      ],
    };
    for (const [range, addresses] of Object.entries(refused)) {
      for (const ip of addresses) expect(strict.allows(ip), `${ip} (${range})`).toBe(false);
    }
  });

  it("an allow-list entry opens its range whichever spelling the resolver returns", () => {
    const policy = createAddressPolicy(["10.1.0.0/16", "64:ff9b::/96"]);
    expect(policy.allows("::ffff:10.1.2.3")).toBe(true);
    expect(policy.allows("::ffff:a01:203")).toBe(true);
    expect(policy.allows("64:ff9b::10.9.9.9")).toBe(true);
    expect(policy.allows("::10.1.2.3")).toBe(false);
    expect(policy.allows("2002:a01:203::")).toBe(false);
  });

  it("allows public addresses", () => {
    for (const ip of ["8.8.8.8", "172.32.0.1", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "::ffff:808:808", "2a00:1450:4001::1", "2001:1::1"]) {
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
