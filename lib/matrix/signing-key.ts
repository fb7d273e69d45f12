import { createHash, createPrivateKey, createPublicKey, randomBytes, type KeyObject } from "node:crypto";

import { decodeBase64, encodeBase64 } from "@/lib/matrix/base64";
import { MatrixProtocolError } from "@/lib/matrix/errors";

/** A server's ed25519 signing key. `keyId` is `ed25519:<version>`. */
export interface SigningKey {
  readonly keyId: string;
  /** The 32-byte seed: the secret. Never log it. */
  readonly seed: Uint8Array;
  /** Unpadded base64 of the raw 32-byte public key, as published in `verify_keys`. */
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

// DER prefixes that wrap a raw 32-byte ed25519 seed (PKCS#8) or public key (SPKI), so Node's
// crypto can load them without any third-party library.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const KEY_ID = /^ed25519:[a-zA-Z0-9_]+$/;

export function isValidKeyId(keyId: string): boolean {
  return KEY_ID.test(keyId);
}

/**
 * A key ID that follows from the public key. Synapse caches a remote key per key ID forever,
 * so a server that ever re-keys under a reused ID becomes unverifiable; deriving the ID from
 * the key makes that impossible.
 */
export function deriveKeyId(publicKey: string): string {
  const digest = createHash("sha256").update(decodeBase64(publicKey)).digest("hex");
  return `ed25519:p_${digest.slice(0, 12)}`;
}

export function generateSigningKey(keyId?: string): SigningKey {
  return signingKeyFromSeed(new Uint8Array(randomBytes(32)), keyId);
}

export function signingKeyFromSeed(seed: Uint8Array, keyId?: string): SigningKey {
  if (seed.length !== 32) {
    throw new MatrixProtocolError("M_BAD_SIGNING_KEY", `an ed25519 seed has 32 bytes, got ${seed.length}`);
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: "der",
    type: "pkcs8",
  });
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  const publicKey = encodeBase64(spki.subarray(spki.length - 32));
  const id = keyId ?? deriveKeyId(publicKey);
  if (!isValidKeyId(id)) throw new MatrixProtocolError("M_BAD_SIGNING_KEY", `bad key ID ${JSON.stringify(id)}`);
  return { keyId: id, seed: new Uint8Array(seed), publicKey, privateKey };
}

/**
 * Parses the signing key file Synapse and signedjson use: one key per line,
 * `ed25519 <version> <unpadded base64 seed>`; the key ID is `ed25519:<version>`.
 */
export function parseSigningKeyFile(text: string): SigningKey[] {
  const keys: SigningKey[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const parts = line.split(/\s+/);
    const [algorithm, version, seed] = parts;
    if (parts.length !== 3 || algorithm !== "ed25519" || version === undefined || seed === undefined) {
      throw new MatrixProtocolError("M_BAD_SIGNING_KEY", `line ${index + 1}: expected "ed25519 <version> <base64 seed>"`);
    }
    keys.push(signingKeyFromSeed(decodeBase64(seed), `ed25519:${version}`));
  }
  if (keys.length === 0) throw new MatrixProtocolError("M_BAD_SIGNING_KEY", "no key in the signing key file");
  return keys;
}

export function formatSigningKeyFile(keys: readonly SigningKey[]): string {
  return keys.map((key) => `ed25519 ${key.keyId.slice("ed25519:".length)} ${encodeBase64(key.seed)}\n`).join("");
}

const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_LIMIT = 4096;

/** Loads a raw ed25519 public key (unpadded base64 or 32 bytes); cached, since every verify needs one. */
export function publicKeyObject(publicKey: string | Uint8Array): KeyObject {
  const cacheKey = typeof publicKey === "string" ? publicKey : encodeBase64(publicKey);
  const cached = publicKeyCache.get(cacheKey);
  if (cached) return cached;
  const raw = typeof publicKey === "string" ? decodeBase64(publicKey) : publicKey;
  if (raw.length !== 32) {
    throw new MatrixProtocolError("M_BAD_SIGNING_KEY", `an ed25519 public key has 32 bytes, got ${raw.length}`);
  }
  const key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: "der", type: "spki" });
  if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) publicKeyCache.clear();
  publicKeyCache.set(cacheKey, key);
  return key;
}
