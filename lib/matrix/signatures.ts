import { sign, verify } from "node:crypto";

import { decodeBase64, encodeBase64 } from "@/lib/matrix/base64";
import { canonicalJson, type CanonicalJsonMode } from "@/lib/matrix/canonical-json";
import { MatrixProtocolError } from "@/lib/matrix/errors";
import { cloneJson, isJsonObject, setOwn, type JsonObject } from "@/lib/matrix/json-value";
import { publicKeyObject, type SigningKey } from "@/lib/matrix/signing-key";

export type SignatureCheck = "valid" | "invalid" | "not_signed";

/** The bytes that get signed: the object without `signatures` and `unsigned` (APP § Signing Details). */
export function signingPayload(object: JsonObject, mode: CanonicalJsonMode = "strict"): Buffer {
  const rest: JsonObject = {};
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (key !== "signatures" && key !== "unsigned" && value !== undefined) setOwn(rest, key, value);
  }
  return Buffer.from(canonicalJson(rest, mode), "utf8");
}

/** The unpadded base64 ed25519 signature of `object`'s signing payload. */
export function computeSignature(object: JsonObject, key: SigningKey, mode: CanonicalJsonMode = "strict"): string {
  return encodeBase64(sign(null, signingPayload(object, mode), key.privateKey));
}

/**
 * Returns a copy of `object` signed as `entity` (a server name), merged into any signatures
 * already present; `unsigned` is carried over untouched.
 */
export function signJson<T extends JsonObject>(object: T, entity: string, key: SigningKey, mode: CanonicalJsonMode = "strict"): T {
  const signature = computeSignature(object, key, mode);
  const copy = cloneJson(object);
  const signatures = isJsonObject(copy.signatures) ? copy.signatures : {};
  const forEntity = isJsonObject(signatures[entity]) ? signatures[entity] : {};
  setOwn(forEntity, key.keyId, signature);
  setOwn(signatures, entity, forEntity);
  (copy as JsonObject).signatures = signatures;
  return copy;
}

/** The signature `entity` made with `keyId`, if the object carries one (not checked). */
export function getSignature(object: JsonObject, entity: string, keyId: string): string | undefined {
  const signatures = object.signatures;
  if (!isJsonObject(signatures)) return undefined;
  const forEntity = signatures[entity];
  if (!isJsonObject(forEntity)) return undefined;
  const signature = forEntity[keyId];
  return typeof signature === "string" ? signature : undefined;
}

/** Key IDs `entity` signed with, in the order they appear. */
export function signatureKeyIds(object: JsonObject, entity: string): string[] {
  const signatures = object.signatures;
  if (!isJsonObject(signatures)) return [];
  const forEntity = signatures[entity];
  return isJsonObject(forEntity) ? Object.keys(forEntity) : [];
}

/**
 * Checks `entity`'s signature under `keyId` with the given public key (unpadded base64 or raw).
 * `not_signed` when there is no such signature; `invalid` when it does not decode or verify.
 */
export function verifyJsonSignature(
  object: JsonObject,
  entity: string,
  keyId: string,
  publicKey: string | Uint8Array,
  mode: CanonicalJsonMode = "strict",
): SignatureCheck {
  const signature = getSignature(object, entity, keyId);
  if (signature === undefined) return "not_signed";
  return verifySignatureBytes(signingPayload(object, mode), signature, publicKey) ? "valid" : "invalid";
}

/** Verifies a base64 signature over already-canonical bytes, so callers verifying several signers encode once. */
export function verifySignatureBytes(payload: Uint8Array, signature: string, publicKey: string | Uint8Array): boolean {
  let signatureBytes: Uint8Array;
  try {
    signatureBytes = decodeBase64(signature);
  } catch (error) {
    if (error instanceof MatrixProtocolError) return false;
    throw error;
  }
  if (signatureBytes.length !== 64) return false;
  return verify(null, payload, publicKeyObject(publicKey), signatureBytes);
}
