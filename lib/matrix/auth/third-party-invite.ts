import type { AuthEvent } from "@/lib/matrix/auth/types";
import { decodeBase64, decodeBase64Url } from "@/lib/matrix/base64";
import { isMatrixProtocolError } from "@/lib/matrix/errors";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { verifyJsonSignature } from "@/lib/matrix/signatures";

// Auth rule "invite with third_party_invite", step 7 (5.3.1.7 in v1, 4.3.1.7 in v6, 4.4.1.7 in
// v8–v11, 5.4.1.7 in v12): "If any signature in `signed` matches any public key in the
// `m.room.third_party_invite` event, allow." The keys are `content.public_key` and each
// `content.public_keys[].public_key` of that event (CS § m.room.third_party_invite), unpadded
// base64 as the identity server published it; Sydent writes standard base64, some servers
// URL-safe, so both alphabets are accepted.

function decodeKey(text: string): Uint8Array | undefined {
  for (const decode of [decodeBase64, decodeBase64Url]) {
    try {
      const bytes = decode(text);
      if (bytes.length === 32) return bytes;
    } catch (error) {
      if (!isMatrixProtocolError(error)) throw error;
    }
  }
  return undefined;
}

/** The public keys of an `m.room.third_party_invite` event, decoded; malformed ones are skipped. */
function thirdPartyInvitePublicKeys(invite: AuthEvent): Uint8Array[] {
  const keys: Uint8Array[] = [];
  const single = invite.content.public_key;
  if (typeof single === "string") {
    const key = decodeKey(single);
    if (key) keys.push(key);
  }
  const list = invite.content.public_keys;
  if (Array.isArray(list)) {
    for (const entry of list) {
      if (isJsonObject(entry) && typeof entry.public_key === "string") {
        const key = decodeKey(entry.public_key);
        if (key) keys.push(key);
      }
    }
  }
  return keys;
}

/** True when some ed25519 signature in `signed.signatures` verifies under one of the invite's public keys. */
export function thirdPartySignatureMatches(signed: JsonObject, invite: AuthEvent, version: RoomVersion): boolean {
  const signatures = signed.signatures;
  if (!isJsonObject(signatures)) return false;
  const keys = thirdPartyInvitePublicKeys(invite);
  if (keys.length === 0) return false;
  for (const entity of Object.keys(signatures)) {
    const byKey = signatures[entity];
    if (!isJsonObject(byKey)) continue;
    for (const keyId of Object.keys(byKey)) {
      if (!keyId.startsWith("ed25519:")) continue;
      for (const key of keys) {
        if (verifies(signed, entity, keyId, key, version)) return true;
      }
    }
  }
  return false;
}

function verifies(signed: JsonObject, entity: string, keyId: string, key: Uint8Array, version: RoomVersion): boolean {
  try {
    return verifyJsonSignature(signed, entity, keyId, key, version.canonicalJson) === "valid";
  } catch (error) {
    // A `signed` block that is not canonical JSON in this version cannot carry a valid signature.
    if (isMatrixProtocolError(error)) return false;
    throw error;
  }
}
