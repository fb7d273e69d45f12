import { logger } from "@/lib/log";
import { FederationError, type InboundErrcode } from "@/lib/federation/errors";

// What every inbound federation route shares: JSON error bodies with Matrix errcodes, a body
// reader that refuses oversized input before buffering it, and a wrapper so that no exception
// ever becomes Next.js's HTML error page (Synapse backs off a peer that answers non-JSON).

/** An error answered to the caller as `{ errcode, error }` with `status` (codes: lib/federation/errors.ts). */
export class InboundError extends FederationError<InboundErrcode> {
  constructor(
    readonly status: number,
    errcode: InboundErrcode,
    message: string,
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

export function errorResponse(status: number, errcode: InboundErrcode, error: string): Response {
  return jsonResponse({ errcode, error }, status);
}

export const unrecognized = (): Response => errorResponse(404, "M_UNRECOGNIZED", "Unrecognized request");

/** Largest body accepted on any federation endpoint: 50 PDUs of 64 KiB plus 100 EDUs fit. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads the whole body, refusing more than `maxBytes` without buffering the excess. */
export async function readBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    throw new InboundError(400, "M_TOO_LARGE", `request body larger than ${maxBytes} bytes`);
  }
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new InboundError(400, "M_TOO_LARGE", `request body larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
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
    if (err instanceof InboundError) return errorResponse(err.status, err.errcode, err.message);
    logger.error({ err, handler: name }, "federation handler failed");
    return errorResponse(500, "M_UNKNOWN", "Internal server error");
  }
}
