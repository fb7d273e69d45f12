import { BlockList, isIP } from "node:net";
import { FederationError } from "@/lib/federation/errors";

// The SSRF guard. A server name is whatever a remote event or alias says it is, so the archive
// must not be talked into connecting to its own network. Decisions are taken on the addresses a
// name resolves to at connect time (see transport.ts), never on the name alone.

/** Ranges the archive never connects to unless the operator allows them. */
const FORBIDDEN_V4: Array<[string, number]> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local (cloud metadata lives here)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // documentation
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
];

const FORBIDDEN_V6: Array<[string, number]> = [
  ["::", 128], // unspecified
  ["::1", 128],
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001:db8::", 32], // documentation
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // deprecated site-local
  ["ff00::", 8], // multicast
];

const LOOPBACK: Array<[string, number, "ipv4" | "ipv6"]> = [
  ["127.0.0.0", 8, "ipv4"],
  ["::1", 128, "ipv6"],
];

const forbidden = new BlockList();
for (const [net, prefix] of FORBIDDEN_V4) forbidden.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of FORBIDDEN_V6) forbidden.addSubnet(net, prefix, "ipv6");

export class AddressPolicyError extends FederationError<"M_ADDRESS_POLICY"> {
  constructor(message: string) {
    super("M_ADDRESS_POLICY", message);
  }
}

export interface AddressPolicy {
  /** Whether the archive may open a connection to this IP address. */
  allows(address: string): boolean;
}

/**
 * Builds the policy from `FEDERATION_ALLOW_PRIVATE_ADDRESSES` entries: the keyword `loopback`,
 * or CIDRs (`10.1.0.0/16`, `fd00::/8`). A bare address counts as a single-host range.
 */
export function createAddressPolicy(allowEntries: readonly string[]): AddressPolicy {
  const allowed = new BlockList();
  for (const raw of allowEntries) {
    const entry = raw.trim().toLowerCase();
    if (entry === "loopback") {
      for (const [net, prefix, family] of LOOPBACK) allowed.addSubnet(net, prefix, family);
      continue;
    }
    const [net, prefixText, extra] = entry.split("/");
    const family = net ? isIP(net) : 0;
    if (!net || family === 0 || extra !== undefined) {
      throw new AddressPolicyError(`"${raw}" is neither "loopback" nor an IP range such as 10.0.0.0/8`);
    }
    const max = family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
      throw new AddressPolicyError(`"${raw}" has an invalid prefix length`);
    }
    allowed.addSubnet(net, prefix, family === 4 ? "ipv4" : "ipv6");
  }
  return {
    allows(address: string): boolean {
      const normalized = unmapIpv4(address);
      const family = isIP(normalized);
      if (family === 0) return false;
      const type = family === 4 ? "ipv4" : "ipv6";
      if (!forbidden.check(normalized, type)) return true;
      return allowed.check(normalized, type);
    },
  };
}

/** `::ffff:127.0.0.1` is 127.0.0.1 on the wire: judge it as the IPv4 address it carries. */
function unmapIpv4(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match?.[1] ?? address;
}
