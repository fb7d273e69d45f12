import { logger } from "@/lib/log";
import { FederationError, type InboundErrcode } from "@/lib/federation/errors";
import { readBoundedBody } from "@/lib/http/bounded-body";

// What every inbound federation route shares: JSON error bodies with Matrix errcodes, a body
// reader that refuses oversized input before buffering it, and a wrapper so that no exception
// ever becomes Next.js's HTML error page (Synapse backs off a peer that answers non-JSON).

/** An error answered to the caller as `{ errcode, error }` with `status` (codes: lib/federation/errors.ts). */
export class InboundError extends FederationError<InboundErrcode> {
  constructor(
    readonly status: number,
    errcode: InboundErrcode,
    message: string,
    /** Fields added to the JSON answer beside errcode and error (`retry_after_ms`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(errcode, message);
  }

  /** The Matrix errcode of the answer (the error's code). */
  get errcode(): InboundErrcode {
    return this.code;
  }
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

export function errorResponse(status: number, errcode: InboundErrcode, error: string, extra?: Record<string, unknown>): Response {
  const response = jsonResponse({ errcode, error, ...extra }, status);
  const retryAfterMs = extra?.retry_after_ms;
  if (typeof retryAfterMs === "number") response.headers.set("Retry-After", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return response;
}

export const unrecognized = (): Response => errorResponse(404, "M_UNRECOGNIZED", "Unrecognized request");

const tooLarge = (maxBytes: number) => new InboundError(413, "M_TOO_LARGE", `request body larger than ${maxBytes} bytes`);

/** Reads the whole body, refusing more than `maxBytes` (each route's limit: docs/limits.md) with 413. */
export async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const body = await readBoundedBody(request, maxBytes);
  if (body === null) throw tooLarge(maxBytes);
  return body;
}

/**
 * The request target as the sender signed it: path and query exactly as on the wire. Next.js
 * hands route handlers an absolute URL built from the raw target, which WHATWG parsing leaves
 * percent-encoded, so pathname + search reproduce what was sent.
 */
export function requestTarget(request: Request): string {
  const url = new URL(request.url);
  return url.pathname + url.search;
}

/** Runs a handler, turning InboundError into its JSON answer and anything else into a JSON 500. */
export async function respond(name: string, fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InboundError) return errorResponse(err.status, err.errcode, err.message, err.extra);
    logger.error({ err, handler: name }, "federation handler failed");
    return errorResponse(500, "M_UNKNOWN", "Internal server error");
  }
}
