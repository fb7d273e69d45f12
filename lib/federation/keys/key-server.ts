import type { JsonObject } from "@/lib/matrix/json-value";
import { signJson } from "@/lib/matrix/signatures";
import type { SigningKey } from "@/lib/matrix/signing-key";

/**
 * How long peers may cache our key. The spec asks for at least an hour; a day keeps peers from
 * refetching constantly while letting a replaced key spread within a day.
 */
const OWN_KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** The signed body of `GET /_matrix/key/v2/server`. */
export function buildServerKeyResponse(serverName: string, key: SigningKey, now = Date.now()): JsonObject {
  const body: JsonObject = {
    server_name: serverName,
    valid_until_ts: now + OWN_KEY_LIFETIME_MS,
    verify_keys: { [key.keyId]: { key: key.publicKey } },
    old_verify_keys: {},
  };
  return signJson(body, serverName, key);
}
