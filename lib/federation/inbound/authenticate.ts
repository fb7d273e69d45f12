import { destinationUp } from "@/lib/federation/destination-backoff";
import { InboundError } from "@/lib/federation/inbound/http";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { KeyFetchError, lookupVerifyKey } from "@/lib/federation/keys/remote-keys";
import type { JsonObject } from "@/lib/matrix/json-value";
import { verifyXMatrixRequest } from "@/lib/matrix/x-matrix";

/**
 * The Authorization header values, split back into one per X-Matrix credential (fetch's Headers
 * joins repeated headers with ", "). A request with none is refused before its body is read.
 */
export function authorizationValues(request: Request): string[] {
  const header = request.headers.get("authorization");
  const values = header ? header.split(/,\s*(?=X-Matrix\s)/i) : [];
  if (!values.some((v) => /^\s*X-Matrix\s/i.test(v))) {
    throw new InboundError(401, "M_UNAUTHORIZED", "Missing X-Matrix Authorization header");
  }
  return values;
}

/** Verifies the X-Matrix signatures against the raw request target and body; returns the origin. */
export async function verifyRequest(request: Request, authorization: string[], uri: string, content: JsonObject | undefined): Promise<string> {
  try {
    const result = await verifyXMatrixRequest({
      method: request.method,
      uri,
      authorization,
      content,
      ourServerName: getOwnServerName(),
      keyLookup: lookupVerifyKey,
    });
    if (!result.ok) throw new InboundError(result.httpStatus, "M_UNAUTHORIZED", result.reason);
    // A server that signs requests to us is up: stop avoiding it (as homeservers do).
    destinationUp(result.origin);
    return result.origin;
  } catch (err) {
    if (err instanceof KeyFetchError) throw new InboundError(401, "M_UNAUTHORIZED", err.message);
    throw err;
  }
}
