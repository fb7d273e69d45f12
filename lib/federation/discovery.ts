import { hostHeader, parseServerName } from "@/lib/federation/server-name";
import type { HttpsTarget } from "@/lib/federation/transport";

// Server name resolution, S2S "Resolving server names". The decisions are pure given the two
// lookups (well-known, SRV), which are injected so every branch is unit-tested; the network
// versions live in discovery-network.ts.

const DEFAULT_PORT = 8448;

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export type WellKnownResult = { ok: true; server: string; /** ms the answer may be cached */ maxAgeMs: number } | { ok: false; maxAgeMs: number };

export interface DiscoveryLookups {
  wellKnown(hostname: string): Promise<WellKnownResult>;
  /** SRV records for a full name such as `_matrix-fed._tcp.example.org`; [] when there are none. */
  srv(name: string): Promise<SrvRecord[]>;
}

export interface Resolution {
  target: HttpsTarget;
  /** How long this answer may be reused. */
  maxAgeMs: number;
  /** Which spec step decided, for logs and tests. */
  step: string;
}

const SRV_CACHE_MS = 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

/** Picks the record to use: lowest priority, then highest weight; `.` means "no service". */
export function pickSrv(records: readonly SrvRecord[]): SrvRecord | undefined {
  const usable = records.filter((r) => r.name !== "" && r.name !== ".");
  return [...usable].sort((a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name))[0];
}

async function srvTarget(lookups: DiscoveryLookups, hostname: string): Promise<{ record: SrvRecord; step: string } | undefined> {
  for (const service of ["_matrix-fed._tcp", "_matrix._tcp"]) {
    const record = pickSrv(await lookups.srv(`${service}.${hostname}`).catch(() => []));
    if (record) return { record, step: service };
  }
  return undefined;
}

export async function resolveServerName(serverName: string, lookups: DiscoveryLookups): Promise<Resolution> {
  const parsed = parseServerName(serverName);
  // 1. IP literal: connect there; Host is the server name as given.
  if (parsed.ipLiteral) {
    return {
      target: { connectHost: parsed.host, port: parsed.port ?? DEFAULT_PORT, hostHeader: serverName, tlsName: parsed.host },
      maxAgeMs: Number.POSITIVE_INFINITY,
      step: "ip-literal",
    };
  }
  // 2. Hostname with an explicit port: no delegation.
  if (parsed.port !== undefined) {
    return {
      target: { connectHost: parsed.host, port: parsed.port, hostHeader: hostHeader(parsed.host, parsed.port), tlsName: parsed.host },
      maxAgeMs: Number.POSITIVE_INFINITY,
      step: "explicit-port",
    };
  }
  // 3. .well-known delegation.
  const wellKnown = await lookups.wellKnown(parsed.host).catch((): WellKnownResult => ({ ok: false, maxAgeMs: HOUR }));
  if (wellKnown.ok) {
    let delegated;
    try {
      delegated = parseServerName(wellKnown.server);
    } catch {
      delegated = undefined;
    }
    if (delegated) {
      const maxAgeMs = wellKnown.maxAgeMs;
      if (delegated.ipLiteral) {
        const port = delegated.port ?? DEFAULT_PORT;
        return {
          target: { connectHost: delegated.host, port, hostHeader: hostHeader(delegated.host, delegated.port), tlsName: delegated.host },
          maxAgeMs,
          step: "well-known-ip",
        };
      }
      if (delegated.port !== undefined) {
        return {
          target: { connectHost: delegated.host, port: delegated.port, hostHeader: hostHeader(delegated.host, delegated.port), tlsName: delegated.host },
          maxAgeMs,
          step: "well-known-port",
        };
      }
      const srv = await srvTarget(lookups, delegated.host);
      if (srv) {
        // Host and certificate name the delegated host, never the SRV target.
        return {
          target: { connectHost: srv.record.name, port: srv.record.port, hostHeader: delegated.host, tlsName: delegated.host },
          maxAgeMs: Math.min(maxAgeMs, SRV_CACHE_MS),
          step: `well-known-srv${srv.step}`,
        };
      }
      return {
        target: { connectHost: delegated.host, port: DEFAULT_PORT, hostHeader: delegated.host, tlsName: delegated.host },
        maxAgeMs,
        step: "well-known-host",
      };
    }
  }
  // 4./5. SRV on the server name itself.
  const srv = await srvTarget(lookups, parsed.host);
  if (srv) {
    return {
      target: { connectHost: srv.record.name, port: srv.record.port, hostHeader: parsed.host, tlsName: parsed.host },
      maxAgeMs: Math.min(wellKnown.maxAgeMs, SRV_CACHE_MS),
      step: `srv${srv.step}`,
    };
  }
  // 6. Plain hostname on the default port.
  return {
    target: { connectHost: parsed.host, port: DEFAULT_PORT, hostHeader: parsed.host, tlsName: parsed.host },
    maxAgeMs: Math.min(wellKnown.maxAgeMs, SRV_CACHE_MS),
    step: "default-port",
  };
}

/** Well-known cache lifetime from Cache-Control: default 24 h, capped at 48 h (spec). */
export function wellKnownMaxAge(cacheControl: string | undefined): number {
  const day = 24 * HOUR;
  const match = cacheControl ? /(?:^|,)\s*max-age=(\d+)/i.exec(cacheControl) : null;
  if (cacheControl && /no-store|no-cache/i.test(cacheControl)) return 0;
  if (!match?.[1]) return day;
  return Math.min(Number(match[1]) * 1000, 2 * day);
}

/** A cache in front of resolveServerName, keyed by server name, bounded in size. */
export function createDiscoveryCache(lookups: DiscoveryLookups, now: () => number = Date.now, maxEntries = 10_000) {
  const entries = new Map<string, { resolution: Resolution; expires: number }>();
  return {
    async resolve(serverName: string): Promise<Resolution> {
      const hit = entries.get(serverName);
      if (hit && hit.expires > now()) return hit.resolution;
      const resolution = await resolveServerName(serverName, lookups);
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      entries.set(serverName, { resolution, expires: now() + resolution.maxAgeMs });
      return resolution;
    },
    forget(serverName: string): void {
      entries.delete(serverName);
    },
  };
}
