import { toVerifyKey, type VerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu, type PduVerification, type VerifyPduOptions } from "@/lib/matrix/verify-pdu";

// Verifying many PDUs of one room with one key lookup: the loop every verification runs,
// whether on the ingest's own thread or in a worker of the verification pool
// (lib/federation/verify-pool.ts), so both give the same outcome for the same PDUs and keys.

/** verifyPdu's verdict, or why it could not be given now (the key lookup failed). */
export type VerifyOutcome = PduVerification | { status: "deferred"; reason: string };

// A few at a time: each may wait on a key fetch; one slow origin must not serialise the batch.
const CONCURRENCY = 8;

export async function verifyEach(
  pdus: readonly unknown[],
  roomVersion: string,
  lookup: VerifyKeyLookup,
  options: VerifyPduOptions = {},
): Promise<VerifyOutcome[]> {
  const outcomes: VerifyOutcome[] = new Array(pdus.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, pdus.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= pdus.length) return;
        try {
          outcomes[i] = await verifyPdu(pdus[i], roomVersion, lookup, options);
        } catch (err) {
          outcomes[i] = { status: "deferred", reason: (err as Error).message };
        }
      }
    }),
  );
  return outcomes;
}

/**
 * A batch's key lookups, each (server, key ID) asked once: a batch of a hundred PDUs from one
 * server needs one key, and asking the key cache a hundred times was most of a batch's
 * verification time. A remembered key answers later PDUs only when it is good for them (an old
 * key, or valid until at least their timestamp), so the answers are the ones the lookup would
 * give; a failure is not remembered (the next PDU asks again).
 */
export function memoizedLookup(lookup: VerifyKeyLookup): VerifyKeyLookup {
  const known = new Map<string, Promise<VerifyKey | undefined>>();
  return async (server, keyId, atTs) => {
    const k = `${server}\u0000${keyId}`;
    const pending = known.get(k);
    if (pending) {
      const key = await pending.catch(() => undefined);
      if (key && (key.expiredTs !== undefined || (key.validUntilTs ?? Infinity) >= atTs)) return key;
    }
    const fresh = lookup(server, keyId, atTs).then((found) => (found === undefined ? undefined : toVerifyKey(found)));
    known.set(k, fresh);
    return fresh;
  };
}
