import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { readFileSync } from "node:fs";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import tls from "node:tls";
import { createAddressPolicy, type AddressPolicy, AddressPolicyError } from "@/lib/federation/address-guard";
import { getEnv } from "@/lib/env";
import { FederationError } from "@/lib/federation/errors";

// One HTTPS request to a federation peer: connect to a host we chose (after discovery), check
// every resolved address against the SSRF policy at connect time, present the right TLS name and
// Host header, and bound time and size. Everything above this deals in parsed results.

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
  const tlsNameIsIp = isIP(target.tlsName) !== 0;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const req = https.request({
      host: target.connectHost,
      port: target.port,
      method: request.method,
      path: request.pathAndQuery,
      headers,
      agent: false,
      lookup: guardedLookup(options.policy),
      // SNI must not carry an IP address (RFC 6066); the certificate is still checked for it.
      servername: tlsNameIsIp ? "" : target.tlsName,
      ca: options.extraCa ? [...tls.rootCertificates, options.extraCa] : undefined,
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(target.tlsName, cert),
    });
    const timer = setTimeout(() => {
      finish(() =>
        reject(new TransportError(`${request.method} https://${target.hostHeader}${request.pathAndQuery} timed out after ${timeoutMs} ms`, "M_TIMEOUT")),
      );
      req.destroy();
    }, timeoutMs);
    req.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code === "M_ADDRESS_POLICY" ? "M_ADDRESS_POLICY" : "M_CONNECTION_FAILED";
      finish(() => reject(new TransportError(`${request.method} https://${target.hostHeader}${request.pathAndQuery}: ${err.message}`, code, { cause: err })));
    });
    req.on("response", (res) => {
      // A declared length over the limit is refused before any of the body is read.
      if (Number(res.headers["content-length"] ?? 0) > maxBytes) {
        finish(() => reject(new TransportError(`response from ${target.hostHeader} exceeds ${maxBytes} bytes`, "M_TOO_LARGE")));
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(() => reject(new TransportError(`response from ${target.hostHeader} exceeds ${maxBytes} bytes`, "M_TOO_LARGE")));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) })));
      res.on("error", (err) => finish(() => reject(new TransportError(err.message, "M_CONNECTION_FAILED", { cause: err }))));
    });
    if (request.body !== undefined) req.write(request.body);
    req.end();
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
    };
  }
  return cachedOptions;
}
