/**
 * The one error type of the network layer (lib/federation). Every error it throws is a
 * FederationError; the named subclasses (TransportError, InboundError, …) only fix the code and
 * carry the details their callers need, so `instanceof` on a subclass and a switch on `code`
 * both work.
 *
 * Codes are stable: callers (the ingest pipeline, the archive's fills, retries, logs) switch on
 * them, so a code is never renamed or reused. Codes that share a name with a Matrix `errcode`
 * mean the same thing; the ones marked "ours" are not in the Matrix spec and never leave the
 * server as an `errcode`.
 *
 * Outbound (talking to other servers):
 *
 * | code                | class                   | meaning                                                       |
 * |---------------------|-------------------------|---------------------------------------------------------------|
 * | M_BAD_SERVER_NAME   | ServerNameError         | ours: not a valid server name (or `m.server` delegation)      |
 * | M_ADDRESS_POLICY    | AddressPolicyError,     | ours: the SSRF guard refused the address (private, loopback,  |
 * |                     | TransportError          | link-local), or a FEDERATION_ALLOW_PRIVATE_ADDRESSES entry is |
 * |                     |                         | malformed                                                     |
 * | M_CONNECTION_FAILED | TransportError          | ours: DNS, TCP, TLS (certificate or name) or stream failure   |
 * | M_TIMEOUT           | TransportError          | ours: no complete answer in time                              |
 * | M_TOO_LARGE         | TransportError          | the answer exceeds the size the caller accepts                |
 * | M_REMOTE_ERROR      | FederationHttpError     | ours: the remote answered a non-2xx status (its `status` and  |
 * |                     |                         | `errcode` are on the error)                                   |
 * | M_BAD_RESPONSE      | FederationResponseError | ours: a 2xx answer that is not JSON or not the expected shape |
 * | M_KEY_FETCH_FAILED  | KeyFetchError           | ours: a server's signing keys could not be fetched (directly  |
 * |                     |                         | or from a notary); retry later rather than call a PDU forged  |
 * | M_BAD_TEMPLATE      | TemplateError           | a make_join / make_leave template fails the checks of         |
 * |                     |                         | S2S § Joining Rooms                                           |
 *
 * Inbound (answering other servers and the operator): an InboundError's code is the Matrix
 * `errcode` of the JSON answer `{ "errcode", "error" }`, with the HTTP status on the error (the
 * same code can go with more than one status, as the spec says).
 *
 * | code            | status   | meaning                                                                   |
 * |-----------------|----------|---------------------------------------------------------------------------|
 * | M_UNAUTHORIZED  | 401, 400 | no, unparsable (400) or unverifiable X-Matrix header; no admin token      |
 * | M_FORBIDDEN     | 403, 400 | the origin may not have this (ACL, SERVER_DENY, room not served), or a    |
 * |                 |          | transaction claims another origin (400)                                   |
 * | M_NOT_FOUND     | 404      | no such event, state or profile here                                      |
 * | M_UNRECOGNIZED  | 404, 405 | an endpoint (404) or method (405) the archive does not implement (MSC3743) |
 * | M_NOT_JSON      | 400      | the body is not JSON (or not an object)                                   |
 * | M_BAD_JSON      | 400      | JSON of the wrong shape                                                   |
 * | M_MISSING_PARAM | 400      | a required query or body parameter is missing                             |
 * | M_INVALID_PARAM | 400      | a parameter or path segment is malformed                                  |
 * | M_TOO_LARGE     | 413      | the request body exceeds the endpoint's limit (docs/limits.md)            |
 * | M_LIMIT_EXCEEDED| 429      | the origin sent more than its rate limit allows; `retry_after_ms` says    |
 * |                 |          | when to try again (docs/limits.md)                                        |
 * | M_UNKNOWN       | 500      | a handler failed; logged, and answered as JSON, never as an HTML page     |
 */
type OutboundErrorCode =
  | "M_BAD_SERVER_NAME"
  | "M_ADDRESS_POLICY"
  | "M_CONNECTION_FAILED"
  | "M_TIMEOUT"
  | "M_TOO_LARGE"
  | "M_REMOTE_ERROR"
  | "M_BAD_RESPONSE"
  | "M_KEY_FETCH_FAILED"
  | "M_BAD_TEMPLATE";

export type InboundErrcode =
  | "M_UNAUTHORIZED"
  | "M_FORBIDDEN"
  | "M_NOT_FOUND"
  | "M_UNRECOGNIZED"
  | "M_NOT_JSON"
  | "M_BAD_JSON"
  | "M_MISSING_PARAM"
  | "M_INVALID_PARAM"
  | "M_TOO_LARGE"
  | "M_LIMIT_EXCEEDED"
  | "M_UNKNOWN";

type FederationErrorCode = OutboundErrorCode | InboundErrcode;

export class FederationError<Code extends FederationErrorCode = FederationErrorCode> extends Error {
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
