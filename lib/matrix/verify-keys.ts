/**
 * A public key as the network layer knows it, with the validity data of the key response it
 * came from (S2S § Retrieving server keys). `validUntilTs` is the response's `valid_until_ts`
 * (already capped at fetch time + 7 days, as FR/v5-signing-requirements asks); `expiredTs` is
 * set only for an `old_verify_keys` entry.
 */
export interface VerifyKey {
  /** Unpadded base64 raw ed25519 public key. */
  key: string;
  validUntilTs?: number;
  expiredTs?: number;
}

/**
 * How the core asks for keys without doing I/O: the federation layer answers from its key cache
 * (fetching when needed). `atTs` is the time the key must have been valid at: the event's
 * `origin_server_ts` for PDUs, now for requests. Return `undefined` for a key it cannot find.
 * A plain string is a key with no validity limits. Errors it throws propagate to the caller:
 * a network failure must never turn into a permanently dropped event.
 */
export type VerifyKeyLookup = (serverName: string, keyId: string, atTs: number) => Promise<string | VerifyKey | undefined>;

export function toVerifyKey(found: string | VerifyKey): VerifyKey {
  return typeof found === "string" ? { key: found } : found;
}

/**
 * Signing keys no server may use any more: Synapse refuses them (crypto/keyring.py,
 * ELEMENTSEC-2025-1670), so must we, or we would accept events the rest of the network rejects.
 */
const BANNED_VERIFY_KEYS: ReadonlySet<string> = new Set(["l/O9hxMVKB6Lg+3Hqf0FQQZhVESQcMzbPN1Cz2nM3og"]);

export function isBannedVerifyKey(key: string): boolean {
  return BANNED_VERIFY_KEYS.has(key.replace(/=+$/, ""));
}
