import type { JsonObject } from "@/lib/matrix/json-value";
import { computeSignature } from "@/lib/matrix/signatures";
import type { SigningKey } from "@/lib/matrix/signing-key";

export interface OutgoingAuth {
  method: string;
  /** Request target exactly as sent: path plus `?query`. */
  uri: string;
  origin: string;
  destination: string;
  /** Parsed body; only for requests that have one (never for GET). */
  content?: JsonObject;
  key: SigningKey;
}

/** The `Authorization: X-Matrix …` value for one outgoing request (S2S § Request Authentication). */
export function xMatrixAuthorization(auth: OutgoingAuth): string {
  const signed: JsonObject = { method: auth.method, uri: auth.uri, origin: auth.origin, destination: auth.destination };
  if (auth.content !== undefined) signed.content = auth.content;
  const sig = computeSignature(signed, auth.key);
  return `X-Matrix origin="${auth.origin}",destination="${auth.destination}",key="${auth.key.keyId}",sig="${sig}"`;
}
