import { NextResponse } from "next/server";

/**
 * The one error type of the archive's use cases (lib/archive), and the one shape of every JSON
 * error the app's route handlers answer: `{ "errcode": "…", "error": "…" }`, as Matrix APIs do,
 * with the HTTP status fixed by the code.
 *
 * Codes are stable: the pages' client islands and operators' scripts may switch on them, so a
 * code is never renamed or reused. Codes that share a name with a Matrix `errcode` mean the same
 * thing; the ones marked "ours" are not in the Matrix spec.
 *
 * | code                     | status | meaning                                                            |
 * |--------------------------|--------|--------------------------------------------------------------------|
 * | M_INVALID_PARAM          | 400    | a URL segment, query parameter or request body is malformed         |
 * | M_FORBIDDEN              | 403    | the room exists but its history is not world-readable (not served)   |
 * | M_NOT_FOUND              | 404    | the archive holds or serves no such room, message, gap or media      |
 * | M_TOO_LARGE              | 413    | the remote media is larger than the proxy accepts                    |
 * | M_LIMIT_EXCEEDED         | 429    | the reader, or all readers together, asked for too much federation   |
 * |                          |        | work; `retry_after_ms` and Retry-After say when to ask again          |
 * | M_FEDERATION_UNAVAILABLE | 502    | ours: the room's or the media's servers could not be reached, or     |
 * |                          |        | answered with something unusable                                     |
 */
export type ArchiveErrorCode = "M_INVALID_PARAM" | "M_FORBIDDEN" | "M_NOT_FOUND" | "M_TOO_LARGE" | "M_LIMIT_EXCEEDED" | "M_FEDERATION_UNAVAILABLE";

const ARCHIVE_ERROR_STATUS: Record<ArchiveErrorCode, number> = {
  M_INVALID_PARAM: 400,
  M_FORBIDDEN: 403,
  M_NOT_FOUND: 404,
  M_TOO_LARGE: 413,
  M_LIMIT_EXCEEDED: 429,
  M_FEDERATION_UNAVAILABLE: 502,
};

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** For M_LIMIT_EXCEEDED: when the reader may ask again. */
  readonly retryAfterSeconds?: number;

  constructor(code: ArchiveErrorCode, message: string, opts?: { retryAfterSeconds?: number }) {
    super(message);
    this.name = "ArchiveError";
    this.code = code;
    this.retryAfterSeconds = opts?.retryAfterSeconds;
  }

  get status(): number {
    return ARCHIVE_ERROR_STATUS[this.code];
  }
}

/**
 * A route handler's JSON error: `{ errcode, error }` plus any `extra` fields, with the code's
 * status. The one way app/ answers an error as JSON.
 */
export function jsonError(code: ArchiveErrorCode, error: string, init?: { extra?: Record<string, unknown>; headers?: HeadersInit }): NextResponse {
  return NextResponse.json({ errcode: code, error, ...init?.extra }, { status: ARCHIVE_ERROR_STATUS[code], headers: init?.headers });
}

/**
 * The JSON 429 of a reader past a limit on federation work (docs/limits.md): M_LIMIT_EXCEEDED
 * with `retry_after_ms`, the same wait in Retry-After, and never cached (the next ask may pass).
 */
export function tooManyRequestsJson(error: string, retryAfterSeconds: number): NextResponse {
  return jsonError("M_LIMIT_EXCEEDED", error, {
    extra: { retry_after_ms: retryAfterSeconds * 1000 },
    headers: { "retry-after": String(retryAfterSeconds), "cache-control": "no-store" },
  });
}
