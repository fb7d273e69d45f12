import { getEnv } from "@/lib/env";
import { InboundError } from "@/lib/federation/inbound/http";

// Bodies are read and parsed before their signatures can be checked, so the bytes of all bodies
// being read at once are bounded for the whole process (FEDERATION_BODY_BUFFER_MB): many
// connections that each send a body up to its route's cap cannot together exhaust the heap. A
// request that does not fit is refused with 429 and a short retry_after_ms, before any read.

const RETRY_AFTER_MS = 1_000;

let reserved = 0;

/** Bytes reserved by bodies being read now (tests). */
export function bodyBytesReserved(): number {
  return reserved;
}

/**
 * Runs `read` with `maxBytes` (or the declared Content-Length, when smaller) reserved from the
 * process's budget, released when it settles; throws 429 M_LIMIT_EXCEEDED when the budget has no room.
 */
export async function withBodyBudget<T>(
  request: Request,
  maxBytes: number,
  read: () => Promise<T>,
  budgetBytes = getEnv().FEDERATION_BODY_BUFFER_MB * 1024 * 1024,
): Promise<T> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const size = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBytes) : maxBytes;
  if (reserved + size > budgetBytes) {
    throw new InboundError(429, "M_LIMIT_EXCEEDED", "too many request bodies being read at once", { retry_after_ms: RETRY_AFTER_MS });
  }
  reserved += size;
  try {
    return await read();
  } finally {
    reserved -= size;
  }
}
