import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { readFileSync } from "node:fs";
import type { ClientRequest } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import tls from "node:tls";
import { createAddressPolicy, type AddressPolicy, AddressPolicyError } from "@/lib/federation/address-guard";
import { getEnv } from "@/lib/env";
import { FederationError } from "@/lib/federation/errors";

// One HTTPS request to a federation peer: connect to a host we chose (after discovery), check
// every resolved address against the SSRF policy at connect time, present the right TLS name and
// Host header, and bound time and size. Everything above this deals in parsed results.
//
// Connections are kept alive and pooled per destination (Node's https.Agent with keepAlive): a
// backfill makes hundreds of requests to one server, and a TLS handshake each cost more than
// most answers. Each destination's agent opens at most FEDERATION_MAX_CONNECTIONS_PER_SERVER
// connections; further requests wait for one (inside their own time limit), so a stalled server
// holds no more than that. The guarded lookup is an option of the agent, so every NEW connection
// resolves through the SSRF policy, whatever request opens it; a reused one was checked when it
// was opened and still goes to the same address.

export interface HttpsTarget {
  /** IP address or DNS name to connect to. */
  connectHost: string;
  port: number;
  /** Host header value. */
  hostHeader: string;
  /** Name the certificate must be valid for; also sent as SNI unless it is an IP address. */
  tlsName: string;
}

export interface HttpsRequest {
  method: "GET" | "PUT" | "POST";
  /** Request target as it goes on the wire: path plus `?query`. */
  pathAndQuery: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface HttpsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The same answer with the body as bytes, for media. */
export interface HttpsBytesResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class TransportError extends FederationError<"M_TIMEOUT" | "M_TOO_LARGE" | "M_CONNECTION_FAILED" | "M_ADDRESS_POLICY"> {
  constructor(message: string, code: TransportError["code"], options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface TransportOptions {
  policy: AddressPolicy;
  /** Extra trusted CA certificates (PEM), added to Node's default roots. */
  extraCa?: string;
  /** Connections each destination may hold open at once (default 4). */
  maxConnectionsPerServer?: number;
}

/** An idle kept-alive connection is closed after this long (servers close theirs after 60–75 s). */
const IDLE_SOCKET_MS = 20_000;
/** Destinations whose pools are kept; the least recently used one beyond this is closed. */
const MAX_POOLS = 256;

/**
 * One destination's connections: the agent that keeps them alive, and a queue in front of it.
 * The queue admits as many requests as the agent may open connections; a request still waiting
 * when its time is up leaves the queue without ever reaching the agent (which would otherwise
 * open a connection for it after all).
 */
class Pool {
  private active = 0;
  private readonly waiting: Array<{ deadline: number; start: () => void }> = [];

  constructor(
    readonly agent: https.Agent,
    private readonly max: number,
  ) {}

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }

  /** Calls `start` when a connection slot is free; returns a cancel function for a waiter. */
  acquire(deadline: number, start: (release: () => void) => void): () => void {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.active--;
      // After the current tick: requests timing out together leave the queue first.
      setImmediate(() => this.drain());
    };
    const entry = { deadline, start: () => start(release) };
    if (this.active < this.max) {
      this.active++;
      entry.start();
      return () => {};
    }
    this.waiting.push(entry);
    return () => {
      const i = this.waiting.indexOf(entry);
      if (i >= 0) this.waiting.splice(i, 1);
    };
  }

  private drain(): void {
    while (this.active < this.max && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      if (Date.now() >= next.deadline) continue; // its own timer rejects it
      this.active++;
      next.start();
    }
  }
}

const contexts = new Map<string, tls.SecureContext>();

/**
 * Node's roots plus an extra CA, built once: a context made from a `ca` list parses every root
 * certificate (about 150 ms of CPU), and tls.connect would build one per connection.
 */
function contextTrusting(extraCa: string): tls.SecureContext {
  let context = contexts.get(extraCa);
  if (!context) {
    context = tls.createSecureContext({ ca: [...tls.rootCertificates, extraCa] });
    contexts.set(extraCa, context);
  }
  return context;
}

// One set of pools per policy (tests use several), keyed by destination. A Map keeps insertion
// order, so re-inserting on use makes its first key the least recently used.
const pools = new WeakMap<AddressPolicy, Map<string, Pool>>();

function poolFor(target: HttpsTarget, options: TransportOptions): Pool {
  let byTarget = pools.get(options.policy);
  if (!byTarget) {
    byTarget = new Map();
    pools.set(options.policy, byTarget);
  }
  const key = JSON.stringify([target.connectHost, target.port, target.tlsName, options.extraCa ?? null, options.maxConnectionsPerServer ?? null]);
  let pool = byTarget.get(key);
  if (pool) byTarget.delete(key);
  else {
    const max = options.maxConnectionsPerServer ?? 4;
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: max,
      maxFreeSockets: max,
      maxTotalSockets: max,
      timeout: IDLE_SOCKET_MS,
      scheduling: "lifo",
      lookup: guardedLookup(options.policy),
      // SNI must not carry an IP address (RFC 6066); the certificate is still checked for it.
      servername: isIP(target.tlsName) !== 0 ? "" : target.tlsName,
      secureContext: options.extraCa ? contextTrusting(options.extraCa) : undefined,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.tlsName, cert),
    });
    pool = new Pool(agent, max);
    // Only idle pools are closed: one with a request on it stays until it is idle.
    for (const [oldKey, old] of byTarget) {
      if (byTarget.size < MAX_POOLS) break;
      if (!old.idle) continue;
      byTarget.delete(oldKey);
      old.agent.destroy();
    }
  }
  byTarget.set(key, pool);
  return pool;
}

/** Closes every pooled connection (tests, shutdown). */
export function closeTransportPools(policy: AddressPolicy): void {
  const byTarget = pools.get(policy);
  if (!byTarget) return;
  for (const pool of byTarget.values()) pool.agent.destroy();
  pools.delete(policy);
}

/** A lookup that only ever yields addresses the policy allows; a name with none fails. */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family, hints: options.hints }, (err, addresses) => {
      if (err) return callback(err, "", 4);
      const list = (addresses as LookupAddress[]).filter((a) => policy.allows(a.address));
      if (list.length === 0) {
        const denied = new AddressPolicyError(`refusing to connect to ${hostname}: it resolves only to private, loopback or link-local addresses`);
        return callback(denied as NodeJS.ErrnoException, "", 4);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

export async function httpsRequest(target: HttpsTarget, request: HttpsRequest, options: TransportOptions): Promise<HttpsResponse> {
  const res = await httpsRequestBytes(target, request, options);
  return { ...res, body: res.body.toString("utf8") };
}

export function httpsRequestBytes(target: HttpsTarget, request: HttpsRequest, options: TransportOptions): Promise<HttpsBytesResponse> {
  const timeoutMs = request.timeoutMs ?? 30_000;
  const maxBytes = request.maxResponseBytes ?? 32 * 1024 * 1024;
  if (isIP(target.connectHost) !== 0 && !options.policy.allows(target.connectHost)) {
    return Promise.reject(new TransportError(`refusing to connect to ${target.connectHost}: private, loopback or link-local address`, "M_ADDRESS_POLICY"));
  }
  const headers: Record<string, string> = { Host: target.hostHeader, ...request.headers };
  if (request.body !== undefined) {
    headers["Content-Type"] ??= "application/json";
    headers["Content-Length"] = String(Buffer.byteLength(request.body));
  }
  const pool = poolFor(target, options);
  const what = `${request.method} https://${target.hostHeader}${request.pathAndQuery}`;
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: ClientRequest | undefined;
    let release: (() => void) | undefined;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel();
      release?.();
      fn();
    };
    // The time limit covers waiting for a connection too.
    const timer = setTimeout(() => {
      finish(() => reject(new TransportError(`${what} timed out after ${timeoutMs} ms`, "M_TIMEOUT")));
      req?.destroy();
    }, timeoutMs);
    const send = () => {
      req = https.request({
        host: target.connectHost,
        port: target.port,
        method: request.method,
        path: request.pathAndQuery,
        headers,
        agent: pool.agent,
      });
      const sent = req;
      sent.on("error", (err: NodeJS.ErrnoException) => {
        const code = err.code === "M_ADDRESS_POLICY" ? "M_ADDRESS_POLICY" : "M_CONNECTION_FAILED";
        finish(() => reject(new TransportError(`${what}: ${err.message}`, code, { cause: err })));
      });
      sent.on("response", (res) => {
        // A declared length over the limit is refused before any of the body is read.
        if (Number(res.headers["content-length"] ?? 0) > maxBytes) {
          finish(() => reject(new TransportError(`response from ${target.hostHeader} exceeds ${maxBytes} bytes`, "M_TOO_LARGE")));
          sent.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            finish(() => reject(new TransportError(`response from ${target.hostHeader} exceeds ${maxBytes} bytes`, "M_TOO_LARGE")));
            sent.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
        res.on("error", (err) => finish(() => reject(new TransportError(err.message, "M_CONNECTION_FAILED", { cause: err }))));
      });
      if (request.body !== undefined) sent.write(request.body);
      sent.end();
    };
    const cancel = pool.acquire(Date.now() + timeoutMs, (slot) => {
      release = slot;
      if (settled) slot();
      else send();
    });
  });
}

let cachedOptions: TransportOptions | undefined;

/** Transport options from the environment: the allow list and the test bed's CA, read once. */
export function defaultTransportOptions(): TransportOptions {
  if (!cachedOptions) {
    const env = getEnv();
    cachedOptions = {
      policy: createAddressPolicy(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES),
      extraCa: env.FEDERATION_CA_FILE ? readFileSync(env.FEDERATION_CA_FILE, "utf8") : undefined,
      maxConnectionsPerServer: env.FEDERATION_MAX_CONNECTIONS_PER_SERVER,
    };
  }
  return cachedOptions;
}
