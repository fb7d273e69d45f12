import { destinationUp } from "@/lib/federation/destination-backoff";
import { InboundError } from "@/lib/federation/inbound/http";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { KeyFetchError, lookupInboundVerifyKey } from "@/lib/federation/keys/remote-keys";
import type { JsonObject } from "@/lib/matrix/json-value";
import { findXMatrixSigners, verifyXMatrixSignatures, type XMatrixFailure, type XMatrixSigners } from "@/lib/matrix/x-matrix";

// X-Matrix authentication in two steps around the body: the header (parsed, one origin, our
// destination, a current key of the origin, fetched if need be) before a byte of the body is
// read, the signatures over the parsed body after. A forged or unknown sender costs a header
// parse and a cached key lookup, never a body read, a parse or a canonicalization.

/**
 * The Authorization header values, split back into one per X-Matrix credential (fetch's Headers
 * joins repeated headers with ", "). A request with none is refused before its body is read.
 */
function authorizationValues(request: Request): string[] {
  const header = request.headers.get("authorization");
  const values = header ? header.split(/,\s*(?=X-Matrix\s)/i) : [];
  if (!values.some((v) => /^\s*X-Matrix\s/i.test(v))) {
    throw new InboundError(401, "M_UNAUTHORIZED", "Missing X-Matrix Authorization header");
  }
  return values;
}

const refuse = (failure: XMatrixFailure) => new InboundError(failure.httpStatus, "M_UNAUTHORIZED", failure.reason);

/** Step one, before the body: the origin and the keys its signatures must verify with. */
export async function authenticateHeaders(request: Request): Promise<XMatrixSigners> {
  try {
    const signed = await findXMatrixSigners({
      authorization: authorizationValues(request),
      ourServerName: getOwnServerName(),
      keyLookup: lookupInboundVerifyKey,
    });
    if (!signed.ok) throw refuse(signed);
    return signed;
  } catch (err) {
    if (err instanceof KeyFetchError) throw new InboundError(401, "M_UNAUTHORIZED", err.message);
    throw err;
  }
}

/** Step two: the signatures verify over the raw request target and the parsed body; returns the origin. */
export function verifySignatures(request: Request, signed: XMatrixSigners, uri: string, content: JsonObject | undefined): string {
  const result = verifyXMatrixSignatures(signed, { method: request.method, uri, content, ourServerName: getOwnServerName() });
  if (!result.ok) throw refuse(result);
  // A server that signs requests to us is up: stop avoiding it (as homeservers do).
  destinationUp(result.origin);
  return result.origin;
}
