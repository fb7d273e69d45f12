/**
 * The one error type of the Matrix protocol core.
 *
 * Codes are stable: callers (federation handlers, the ingest pipeline, logs) switch on them,
 * so a code is never renamed or reused. Codes that share a name with a Matrix `errcode` mean
 * the same thing; the others are ours and never leave the server as an `errcode` unchanged.
 *
 * | code                         | meaning                                                             |
 * |------------------------------|---------------------------------------------------------------------|
 * | M_BAD_JSON                   | not JSON, or not canonical JSON where the room version demands it    |
 * |                              | (float or integer beyond ±(2^53−1) in v6+), or a lone surrogate      |
 * | M_BAD_BASE64                 | a base64 field does not decode                                      |
 * | M_BAD_SIGNING_KEY            | a key file line, seed, key ID or public key is malformed            |
 * | M_UNSUPPORTED_ROOM_VERSION   | room version string we do not implement                             |
 * | M_BAD_EVENT_FORMAT           | PDU does not match its room version's format (fields, types, limits) |
 * | M_TOO_LARGE                  | PDU above 65536 bytes of canonical JSON, or an ID/type over 255 bytes |
 * | M_EVENT_ID_MISMATCH          | the computed event ID is not the one the caller asked for           |
 * | M_MISSING_SIGNATURE          | a required server did not sign                                      |
 * | M_UNKNOWN_KEY                | a required server signed, but with no key we know or still accept   |
 * | M_INVALID_SIGNATURE          | a signature with a known key does not verify                        |
 * | M_BAD_KEY_RESPONSE           | a /_matrix/key/v2/server answer that is malformed, for another     |
 * |                              | server, or not validly self-signed                                  |
 * | M_BAD_TEMPLATE               | a make_join template fails the checks of S2S § Joining Rooms       |
 * | M_MISSING_AUTH               | no `Authorization: X-Matrix` header on a federation request         |
 * | M_BAD_AUTH_HEADER            | an X-Matrix header that cannot be parsed (answer 400)               |
 * | M_WRONG_DESTINATION          | the X-Matrix `destination` is not our server name (answer 401)      |
 */
export type MatrixProtocolErrorCode =
  | "M_BAD_JSON"
  | "M_BAD_BASE64"
  | "M_BAD_SIGNING_KEY"
  | "M_UNSUPPORTED_ROOM_VERSION"
  | "M_BAD_EVENT_FORMAT"
  | "M_TOO_LARGE"
  | "M_EVENT_ID_MISMATCH"
  | "M_MISSING_SIGNATURE"
  | "M_UNKNOWN_KEY"
  | "M_INVALID_SIGNATURE"
  | "M_BAD_KEY_RESPONSE"
  | "M_BAD_TEMPLATE"
  | "M_MISSING_AUTH"
  | "M_BAD_AUTH_HEADER"
  | "M_WRONG_DESTINATION";

export class MatrixProtocolError extends Error {
  readonly code: MatrixProtocolErrorCode;

  constructor(code: MatrixProtocolErrorCode, message: string) {
    super(message);
    this.name = "MatrixProtocolError";
    this.code = code;
  }
}

export function isMatrixProtocolError(value: unknown): value is MatrixProtocolError {
  return value instanceof MatrixProtocolError;
}
