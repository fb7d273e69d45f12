import { MatrixProtocolError } from "@/lib/matrix/errors";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { signatureKeyIds, signJson, verifyJsonSignature } from "@/lib/matrix/signatures";
import { isValidKeyId, publicKeyObject, type SigningKey } from "@/lib/matrix/signing-key";
import type { VerifyKey } from "@/lib/matrix/verify-keys";

// S2S § Retrieving server keys: `GET /_matrix/key/v2/server` (and each entry of a notary's
// `server_keys`). FR/v5-signing-requirements caps how long a fetched key may be trusted.

/** Servers MUST treat a key as valid for at most 7 days after fetching it. */
export const MAX_KEY_VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

export interface ServerKeys {
  serverName: string;
  /** min(valid_until_ts, fetchedAt + 7 days). */
  validUntilTs: number;
  /** Keys for requests and events; each carries `validUntilTs`. */
  verifyKeys: Record<string, VerifyKey>;
  /** Keys for events only, each with its `expiredTs`. */
  oldVerifyKeys: Record<string, VerifyKey>;
}

function bad(message: string): never {
  throw new MatrixProtocolError("M_BAD_KEY_RESPONSE", message);
}

function readKeys(value: unknown, field: string, old: boolean, validUntilTs: number): Record<string, VerifyKey> {
  if (value === undefined && old) return {};
  if (!isJsonObject(value)) bad(`${field} must be an object`);
  const keys: Record<string, VerifyKey> = {};
  for (const keyId of Object.keys(value)) {
    const entry = value[keyId];
    // Unknown algorithms are skipped, not fatal: a server may publish more than ed25519.
    if (!keyId.startsWith("ed25519:")) continue;
    if (!isValidKeyId(keyId) || !isJsonObject(entry) || typeof entry.key !== "string") bad(`${field}.${keyId} is malformed`);
    try {
      publicKeyObject(entry.key);
    } catch {
      bad(`${field}.${keyId} is not an ed25519 public key`);
    }
    if (old) {
      if (!Number.isSafeInteger(entry.expired_ts)) bad(`${field}.${keyId}.expired_ts must be an integer`);
      keys[keyId] = { key: entry.key, expiredTs: entry.expired_ts as number };
    } else {
      keys[keyId] = { key: entry.key, validUntilTs };
    }
  }
  return keys;
}

/**
 * Checks a server key response: it is for `expectedServerName`, well formed, and signed by the
 * server with its own verify keys (every such signature must verify, at least one must exist).
 */
export function parseServerKeyResponse(response: unknown, expectedServerName: string, fetchedAt: number): ServerKeys {
  if (!isJsonObject(response)) bad("not a JSON object");
  if (response.server_name !== expectedServerName) {
    bad(`keys are for ${JSON.stringify(response.server_name)}, not ${expectedServerName}`);
  }
  if (!Number.isSafeInteger(response.valid_until_ts)) bad("valid_until_ts must be an integer");
  const validUntilTs = Math.min(response.valid_until_ts as number, fetchedAt + MAX_KEY_VALIDITY_MS);
  const verifyKeys = readKeys(response.verify_keys, "verify_keys", false, validUntilTs);
  const oldVerifyKeys = readKeys(response.old_verify_keys, "old_verify_keys", true, validUntilTs);

  let valid = 0;
  for (const keyId of signatureKeyIds(response, expectedServerName)) {
    // A notary may add its own signature under its own name; other key IDs are not ours to check.
    const key = verifyKeys[keyId];
    if (!key) continue;
    if (verifyJsonSignature(response, expectedServerName, keyId, key.key) !== "valid") {
      bad(`self-signature with ${keyId} does not verify`);
    }
    valid++;
  }
  if (valid === 0) bad(`not signed by any of ${expectedServerName}'s verify_keys`);
  return { serverName: expectedServerName, validUntilTs, verifyKeys, oldVerifyKeys };
}

/** Our own `/_matrix/key/v2/server` answer, signed with every current key. */
export function buildServerKeyResponse(options: {
  serverName: string;
  keys: readonly SigningKey[];
  validUntilTs: number;
  oldKeys?: readonly { keyId: string; publicKey: string; expiredTs: number }[];
}): JsonObject {
  const verifyKeys: JsonObject = {};
  for (const key of options.keys) verifyKeys[key.keyId] = { key: key.publicKey };
  const oldVerifyKeys: JsonObject = {};
  for (const old of options.oldKeys ?? []) oldVerifyKeys[old.keyId] = { key: old.publicKey, expired_ts: old.expiredTs };
  let response: JsonObject = {
    server_name: options.serverName,
    valid_until_ts: options.validUntilTs,
    verify_keys: verifyKeys,
    old_verify_keys: oldVerifyKeys,
  };
  for (const key of options.keys) response = signJson(response, options.serverName, key);
  return response;
}
