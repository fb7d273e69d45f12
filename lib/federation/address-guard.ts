import { isIP } from "node:net";
import { FederationError } from "@/lib/federation/errors";

// The SSRF guard. A server name is whatever a remote event or alias says it is, so the archive
// must not be talked into connecting to its own network. Decisions are taken on the addresses a
// name resolves to at connect time (see transport.ts), never on the name alone.
//
// Addresses are compared as bytes, not as text: IPv6 has many spellings of one address
// (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `0:0:0:0:0:ffff:7f00:0001`, upper case, a zone suffix),
// and a text match on one spelling lets the others through. IPv6 forms that carry an IPv4
// address (IPv4-compatible, NAT64, 6to4, Teredo, SIIT) reach that IPv4 address through a
// gateway or the host's own stack, so they are refused outright; an IPv4-mapped address is the
// IPv4 address itself on a dual-stack socket and is judged as that address.

interface Range {
  bytes: Uint8Array;
  prefix: number;
}

/** IPv4 ranges the archive never connects to unless the operator allows them. */
const FORBIDDEN_V4 = [
  "0.0.0.0/8", // "this network"
  "10.0.0.0/8",
  "100.64.0.0/10", // carrier-grade NAT
  "127.0.0.0/8",
  "169.254.0.0/16", // link-local (cloud metadata lives here)
  "172.16.0.0/12",
  "192.0.0.0/24", // IETF protocol assignments
  "192.0.2.0/24", // documentation
  "192.88.99.0/24", // 6to4 relay anycast
  "192.168.0.0/16",
  "198.18.0.0/15", // benchmarking
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4", // multicast
  "240.0.0.0/4", // reserved, broadcast
].map(parseRange);

/** IPv6 ranges, IPv4-mapped addresses apart (judged by the IPv4 address they carry). */
const FORBIDDEN_V6 = [
  "::/96", // unspecified, loopback and the deprecated IPv4-compatible addresses
  "::ffff:0:0:0/96", // IPv4-translated (SIIT)
  "64:ff9b::/96", // NAT64, well-known prefix
  "64:ff9b:1::/48", // NAT64, local use
  "100::/64", // discard
  "2001::/32", // Teredo
  "2001:db8::/32", // documentation
  "2002::/16", // 6to4
  "fc00::/7", // unique local
  "fe80::/10", // link-local
  "fec0::/10", // deprecated site-local
  "ff00::/8", // multicast
].map(parseRange);

const MAPPED_V4 = parseRange("::ffff:0:0/96");

const LOOPBACK = ["127.0.0.0/8", "::1/128"].map(parseRange);

export class AddressPolicyError extends FederationError<"M_ADDRESS_POLICY"> {
  constructor(message: string) {
    super("M_ADDRESS_POLICY", message);
  }
}

export interface AddressPolicy {
  /** Whether the archive may open a connection to this IP address. */
  allows(address: string): boolean;
}

/** The address as 4 or 16 bytes, whatever its spelling; undefined when it is not an IP address. */
function addressBytes(address: string): Uint8Array | undefined {
  // A zone (`fe80::1%eth0`) names an interface, not part of the address.
  const text = address.replace(/%[^%]*$/, "");
  const family = isIP(text);
  if (family === 4) return new Uint8Array(text.split(".").map(Number));
  if (family !== 6) return undefined;
  let groups = text.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(groups);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    groups = `${groups.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = groups.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const words = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  const bytes = new Uint8Array(16);
  words.forEach((w, i) => {
    const n = parseInt(w, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  return bytes;
}

function parseRange(cidr: string): Range {
  const [net = "", prefixText] = cidr.split("/");
  const bytes = addressBytes(net);
  if (!bytes) throw new Error(`bad range ${cidr}`);
  return { bytes, prefix: prefixText === undefined ? bytes.length * 8 : Number(prefixText) };
}

function inRange(bytes: Uint8Array, range: Range): boolean {
  if (bytes.length !== range.bytes.length) return false;
  const full = range.prefix >> 3;
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false;
  const rest = range.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[full]! & mask) === (range.bytes[full]! & mask);
}

/**
 * Builds the policy from `FEDERATION_ALLOW_PRIVATE_ADDRESSES` entries: the keyword `loopback`,
 * or CIDRs (`10.1.0.0/16`, `fd00::/8`). A bare address counts as a single-host range.
 */
export function createAddressPolicy(allowEntries: readonly string[]): AddressPolicy {
  const allowed: Range[] = [];
  for (const raw of allowEntries) {
    const entry = raw.trim().toLowerCase();
    if (entry === "loopback") {
      allowed.push(...LOOPBACK);
      continue;
    }
    const [net, prefixText, extra] = entry.split("/");
    const bytes = net ? addressBytes(net) : undefined;
    if (!bytes || extra !== undefined) {
      throw new AddressPolicyError(`"${raw}" is neither "loopback" nor an IP range such as 10.0.0.0/8`);
    }
    const max = bytes.length * 8;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
      throw new AddressPolicyError(`"${raw}" has an invalid prefix length`);
    }
    allowed.push({ bytes, prefix });
  }
  return {
    allows(address: string): boolean {
      const raw = addressBytes(address);
      if (!raw) return false;
      const bytes = inRange(raw, MAPPED_V4) ? raw.subarray(12) : raw;
      const forbidden = bytes.length === 4 ? FORBIDDEN_V4 : FORBIDDEN_V6;
      if (!forbidden.some((r) => inRange(bytes, r))) return true;
      return allowed.some((r) => inRange(bytes, r) || inRange(raw, r));
    },
  };
}
