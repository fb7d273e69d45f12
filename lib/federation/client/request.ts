import { z } from "zod";
import { discoverServer } from "@/lib/federation/discovery-network";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { defaultTransportOptions, httpsRequest, TransportError } from "@/lib/federation/transport";
import { buildXMatrixAuthorization } from "@/lib/matrix/x-matrix";
import { logger } from "@/lib/log";
import type { JsonObject, JsonValue } from "@/lib/matrix/json-value";
import { parseJson } from "@/lib/matrix/parse-json";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { FederationError } from "@/lib/federation/errors";

// The signed federation client: one request to one destination, with discovery, X-Matrix,
// bounded time, size and retries. Endpoint functions (endpoints.ts) build on requestJson.

export type Query = ReadonlyArray<readonly [string, string]>;

export interface FederationRequest {
  method: "GET" | "PUT" | "POST";
  /** Path with every parameter already percent-encoded (encodeURIComponent). */
  path: string;
  query?: Query;
  body?: JsonObject;
  /** Key server fetches are unauthenticated; everything else is signed. */
  signed?: boolean;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Extra attempts after a connection failure, timeout, 429 or 5xx. */
  retries?: number;
}

export interface FederationResponse {
  status: number;
  body: string;
}

/** A non-2xx answer; `errcode` is the one the remote answered, if any. */
export class FederationHttpError extends FederationError<"M_REMOTE_ERROR"> {
  constructor(
    readonly destination: string,
    readonly status: number,
    readonly errcode: string | undefined,
    readonly body: string,
    what: string,
  ) {
    super("M_REMOTE_ERROR", `${what} → ${status}${errcode ? ` ${errcode}` : ""}: ${body.slice(0, 200)}`);
  }
}

/** A 2xx answer that is not JSON or not the shape the endpoint promises. */
export class FederationResponseError extends FederationError<"M_BAD_RESPONSE"> {
  constructor(message: string) {
    super("M_BAD_RESPONSE", message);
  }
}

export function encodeQuery(query: Query | undefined): string {
  if (!query || query.length === 0) return "";
  return `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")}`;
}

const RETRY_DELAYS_MS = [300, 1200, 3000];

/** Sends one request (with retries) and returns status and body, whatever the status. */
export async function federationRequest(destination: string, request: FederationRequest): Promise<FederationResponse> {
  const target = (await discoverServer(destination)).target;
  const uri = request.path + encodeQuery(request.query);
  const body = request.body === undefined ? undefined : canonicalJson(request.body, "compat");
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "matrix-archive" };
  if (request.signed !== false) {
    headers.Authorization = buildXMatrixAuthorization(
      { method: request.method, uri, origin: getOwnServerName(), destination, content: request.body },
      getOwnSigningKey(),
    );
  }
  const retries = Math.min(request.retries ?? 2, RETRY_DELAYS_MS.length);
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await httpsRequest(
        target,
        { method: request.method, pathAndQuery: uri, headers, body, timeoutMs: request.timeoutMs ?? 30_000, maxResponseBytes: request.maxResponseBytes },
        defaultTransportOptions(),
      );
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        await sleep(RETRY_DELAYS_MS[attempt]!);
        continue;
      }
      return { status: res.status, body: res.body };
    } catch (err) {
      const retryable = err instanceof TransportError && (err.code === "M_CONNECTION_FAILED" || err.code === "M_TIMEOUT");
      if (!retryable || attempt >= retries) throw err;
      logger.debug({ destination, uri, attempt, err: (err as Error).message }, "federation request failed, retrying");
      await sleep(RETRY_DELAYS_MS[attempt]!);
    }
  }
}

export function errcodeOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as unknown;
    if (typeof json === "object" && json !== null && typeof (json as { errcode?: unknown }).errcode === "string") {
      return (json as { errcode: string }).errcode;
    }
  } catch {
    // not JSON: no errcode
  }
  return undefined;
}

/** Parses a 2xx body losslessly (PDUs may carry integers beyond 2^53) and validates its shape. */
export function parseResponse<T>(destination: string, what: string, res: FederationResponse, schema: z.ZodType<T>): T {
  if (res.status < 200 || res.status >= 300) {
    throw new FederationHttpError(destination, res.status, errcodeOf(res.body), res.body, what);
  }
  let json: JsonValue;
  try {
    json = parseJson(res.body);
  } catch (err) {
    throw new FederationResponseError(`${what} on ${destination}: body is not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new FederationResponseError(`${what} on ${destination}: unexpected response: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

export async function requestJson<T>(destination: string, request: FederationRequest, schema: z.ZodType<T>): Promise<T> {
  const res = await federationRequest(destination, request);
  return parseResponse(destination, `${request.method} ${request.path}`, res, schema);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
