import { MatrixProtocolError, type MatrixProtocolErrorCode } from "@/lib/matrix/errors";
import { isValidServerName } from "@/lib/matrix/identifiers";
import type { JsonObject, JsonValue } from "@/lib/matrix/json-value";
import { computeSignature, signingPayload, verifySignatureBytes } from "@/lib/matrix/signatures";
import { isValidKeyId, type SigningKey } from "@/lib/matrix/signing-key";
import { isBannedVerifyKey, toVerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";

// X-Matrix request authentication (S2S § Request Authentication). Request content may carry
// v1–v5 PDUs with integers beyond 2^53, so it is canonicalised in compat mode: the exact digits
// the sender signed are kept.

export interface XMatrixRequest {
  method: string;
  /** The request target as sent on the wire: path plus `?query`, percent-encoding included. */
  uri: string;
  origin: string;
  destination: string;
  /** The parsed JSON body. Leave undefined when the request has no body (GET); never `{}` or null for "none". */
  content?: JsonValue;
}

export interface XMatrixCredentials {
  origin: string;
  destination?: string;
  key: string;
  sig: string;
}

function requestObject(request: XMatrixRequest): JsonObject {
  const object: JsonObject = {
    method: request.method.toUpperCase(),
    uri: request.uri,
    origin: request.origin,
    destination: request.destination,
  };
  if (request.content !== undefined) object.content = request.content;
  return object;
}

/** The `Authorization` header value for an outgoing request, signed with our key. */
export function buildXMatrixAuthorization(request: XMatrixRequest, key: SigningKey): string {
  const sig = computeSignature(requestObject(request), key, "compat");
  // Quoted values, lower-case names, no spaces: the form every implementation parses.
  return `X-Matrix origin="${request.origin}",destination="${request.destination}",key="${key.keyId}",sig="${sig}"`;
}

/**
 * Parses one `Authorization` header value. Returns undefined when its scheme is not X-Matrix;
 * throws M_BAD_AUTH_HEADER when it is but cannot be read. Follows RFC 9110 § 11.4 auth-params:
 * case-insensitive names in any order, quoted values with backslash escapes, OWS around commas,
 * unquoted values that contain `:`, unknown params ignored.
 */
export function parseXMatrixAuthorization(header: string): XMatrixCredentials | undefined {
  const match = /^\s*X-Matrix(?:\s+|$)/i.exec(header);
  if (!match) return undefined;
  const params = new Map<string, string>();
  let rest = header.slice(match[0].length);
  while (rest.trim() !== "") {
    const name = /^[\s,]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*/.exec(rest);
    if (!name?.[1]) bad("expected name=value");
    rest = rest.slice(name[0].length);
    let value: string;
    if (rest.startsWith('"')) {
      const quoted = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
      if (!quoted || quoted[1] === undefined) bad("unterminated quoted value");
      value = quoted[1].replace(/\\(.)/g, "$1");
      rest = rest.slice(quoted[0].length);
    } else {
      const token = /^[^\s,"]+/.exec(rest);
      if (!token) bad(`empty value for ${name[1]}`);
      value = token[0];
      rest = rest.slice(token[0].length);
    }
    const after = /^\s*(?:,|$)/.exec(rest);
    if (!after) bad("expected , between params");
    rest = rest.slice(after[0].length);
    params.set(name[1].toLowerCase(), value);
  }
  const origin = params.get("origin");
  const key = params.get("key");
  const sig = params.get("sig");
  if (origin === undefined || key === undefined || sig === undefined) bad("origin, key and sig are required");
  if (!isValidServerName(origin)) bad(`bad origin ${JSON.stringify(origin)}`);
  if (!isValidKeyId(key)) bad(`bad key ${JSON.stringify(key)}`);
  const destination = params.get("destination");
  return destination === undefined ? { origin, key, sig } : { origin, destination, key, sig };
}

function bad(why: string): never {
  throw new MatrixProtocolError("M_BAD_AUTH_HEADER", `X-Matrix header: ${why}`);
}

export interface IncomingXMatrixRequest {
  method: string;
  /** The raw request target as received (path and query exactly as on the wire). */
  uri: string;
  /** Every `Authorization` header value of the request. */
  authorization: string | readonly string[] | undefined | null;
  /** The parsed JSON body for requests that have one (PUT/POST); undefined otherwise. */
  content?: JsonValue;
  ourServerName: string;
  keyLookup: VerifyKeyLookup;
  /** Defaults to Date.now(); keys must be valid now. */
  now?: number;
}

export type XMatrixFailure = { ok: false; code: MatrixProtocolErrorCode; reason: string; httpStatus: 400 | 401 };
export type XMatrixVerification = { ok: true; origin: string } | XMatrixFailure;

/** The origin of a request and, for each of its X-Matrix headers, the signature and the current key it must verify with. */
export interface XMatrixSigners {
  ok: true;
  origin: string;
  signers: { sig: string; publicKey: string }[];
}

/**
 * The checks that need no body: every X-Matrix header parses, names the same origin and our
 * server (or no destination), and names a current key of the origin (looked up, maybe fetched).
 * Inbound requests run this before reading their body, so a request with a missing, malformed
 * or unverifiable header costs no body read.
 */
export async function findXMatrixSigners(
  request: Pick<IncomingXMatrixRequest, "authorization" | "ourServerName" | "keyLookup" | "now">,
): Promise<XMatrixSigners | XMatrixFailure> {
  const headers = request.authorization == null ? [] : typeof request.authorization === "string" ? [request.authorization] : request.authorization;
  const credentials: XMatrixCredentials[] = [];
  try {
    for (const header of headers) {
      const parsed = parseXMatrixAuthorization(header);
      if (parsed) credentials.push(parsed);
    }
  } catch (error) {
    if (error instanceof MatrixProtocolError) return { ok: false, code: error.code, reason: error.message, httpStatus: 400 };
    throw error;
  }
  const [first] = credentials;
  if (!first) return { ok: false, code: "M_MISSING_AUTH", reason: "missing X-Matrix Authorization header", httpStatus: 401 };
  const origin = first.origin;
  if (credentials.some((c) => c.origin !== origin)) {
    return { ok: false, code: "M_BAD_AUTH_HEADER", reason: "X-Matrix headers name different origins", httpStatus: 400 };
  }
  const now = request.now ?? Date.now();
  const signers: XMatrixSigners["signers"] = [];
  for (const c of credentials) {
    // Old senders omit destination; accept that, but never a different one.
    if (c.destination !== undefined && c.destination !== request.ourServerName) {
      return { ok: false, code: "M_WRONG_DESTINATION", reason: `request is for ${c.destination}, not us`, httpStatus: 401 };
    }
    const found = await request.keyLookup(origin, c.key, now);
    const key = found === undefined ? undefined : toVerifyKey(found);
    // Requests may only be signed with current verify_keys that are still valid.
    if (!key || key.expiredTs !== undefined || (key.validUntilTs ?? Infinity) < now) {
      return { ok: false, code: "M_UNKNOWN_KEY", reason: `no current key ${c.key} for ${origin}`, httpStatus: 401 };
    }
    if (isBannedVerifyKey(key.key)) {
      return { ok: false, code: "M_INVALID_SIGNATURE", reason: `X-Matrix signature of ${origin} does not verify`, httpStatus: 401 };
    }
    signers.push({ sig: c.sig, publicKey: key.key });
  }
  return { ok: true, origin, signers };
}

/** The check that needs the body: every signature verifies over method, target, origin, destination and content. */
export function verifyXMatrixSignatures(
  signed: XMatrixSigners,
  request: Pick<IncomingXMatrixRequest, "method" | "uri" | "content" | "ourServerName">,
): XMatrixVerification {
  const { origin } = signed;
  let payload: Buffer;
  try {
    payload = signingPayload(
      requestObject({ method: request.method, uri: request.uri, origin, destination: request.ourServerName, content: request.content }),
      "compat",
    );
  } catch (error) {
    // Content that parses but has no canonical form (a number beyond a double) cannot have been signed.
    if (error instanceof MatrixProtocolError)
      return { ok: false, code: error.code, reason: `content cannot be canonicalized: ${error.message}`, httpStatus: 400 };
    throw error;
  }
  for (const s of signed.signers) {
    if (!verifySignatureBytes(payload, s.sig, s.publicKey)) {
      return { ok: false, code: "M_INVALID_SIGNATURE", reason: `X-Matrix signature of ${origin} does not verify`, httpStatus: 401 };
    }
  }
  return { ok: true, origin };
}

/**
 * Checks the X-Matrix headers of an inbound federation request. Every X-Matrix header must name
 * the same origin and verify with a current key of that origin (MSC4029: all supplied signatures
 * must be valid). Answer failures with `httpStatus` and errcode M_UNAUTHORIZED.
 */
export async function verifyXMatrixRequest(request: IncomingXMatrixRequest): Promise<XMatrixVerification> {
  const signed = await findXMatrixSigners(request);
  return signed.ok ? verifyXMatrixSignatures(signed, request) : signed;
}
