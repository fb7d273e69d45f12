import { promises as dns } from "node:dns";
import { z } from "zod";
import { createDiscoveryCache, type DiscoveryLookups, type Resolution, type WellKnownResult, wellKnownMaxAge } from "@/lib/federation/discovery";
import { hostHeader, parseServerName } from "@/lib/federation/server-name";
import { defaultTransportOptions, httpsRequest, type TransportOptions } from "@/lib/federation/transport";

const ERROR_CACHE_MS = 60 * 60 * 1000;
const MAX_REDIRECTS = 5;

const wellKnownBody = z.object({ "m.server": z.string().min(1) });

/** GET https://<host>/.well-known/matrix/server, following a bounded number of redirects. */
async function fetchWellKnown(hostname: string, options: TransportOptions): Promise<WellKnownResult> {
  let url = new URL(`https://${hostHeader(hostname)}/.well-known/matrix/server`);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (url.protocol !== "https:") return { ok: false, maxAgeMs: ERROR_CACHE_MS };
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const port = url.port ? Number(url.port) : 443;
    const res = await httpsRequest(
      { connectHost: host, port, hostHeader: url.host, tlsName: host },
      { method: "GET", pathAndQuery: url.pathname + url.search, timeoutMs: 10_000, maxResponseBytes: 64 * 1024 },
      options,
    );
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && typeof location === "string") {
      url = new URL(location, url);
      continue;
    }
    if (res.status !== 200) return { ok: false, maxAgeMs: ERROR_CACHE_MS };
    let json: unknown;
    try {
      // The spec says to parse whatever the Content-Type.
      json = JSON.parse(res.body);
    } catch {
      return { ok: false, maxAgeMs: ERROR_CACHE_MS };
    }
    const parsed = wellKnownBody.safeParse(json);
    if (!parsed.success) return { ok: false, maxAgeMs: ERROR_CACHE_MS };
    const cacheControl = res.headers["cache-control"];
    return {
      ok: true,
      server: parsed.data["m.server"],
      maxAgeMs: wellKnownMaxAge(typeof cacheControl === "string" ? cacheControl : undefined),
    };
  }
  return { ok: false, maxAgeMs: ERROR_CACHE_MS };
}

function networkLookups(options: TransportOptions): DiscoveryLookups {
  return {
    wellKnown: (hostname) => fetchWellKnown(hostname, options),
    async srv(name) {
      try {
        return await dns.resolveSrv(name);
      } catch {
        return [];
      }
    },
  };
}

let cache: ReturnType<typeof createDiscoveryCache> | undefined;

/** Resolves a server name with the process-wide cache. */
export function discoverServer(serverName: string): Promise<Resolution> {
  cache ??= createDiscoveryCache(networkLookups(defaultTransportOptions()));
  // Validate before anything touches the network.
  parseServerName(serverName);
  return cache.resolve(serverName);
}
