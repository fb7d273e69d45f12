import type { Db } from "@/lib/db";
import { verifyKeyLookup } from "@/lib/federation/keys/remote-keys";
import type { JsonObject } from "@/lib/matrix/json-value";
import { toVerifyKey, type VerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu, type PduVerification } from "@/lib/matrix/verify-pdu";

// Every PDU, whatever path it came by, goes through lib/matrix's verifyPdu with the remote key
// cache as its key lookup before anything may store it.

export type AcceptedPdu = Extract<PduVerification, { status: "accepted" }>;

export interface BatchVerification {
  accepted: AcceptedPdu[];
  /** Failed a check: never stored. */
  dropped: Array<{ eventId?: string; code: string; reason: string }>;
  /** Could not be checked now (a key server was unreachable): not stored, may come again. */
  deferred: Array<{ reason: string }>;
}

export interface VerifyBatchOptions {
  /** /backfill answers must not be held to the 20/10 prev/auth limits. */
  skipCountLimits?: boolean;
  /** When the PDUs were asked for by ID, the IDs they must have (any order). */
  expectedEventIds?: ReadonlySet<string>;
  /** The database whose key cache is read (default: the app's). */
  db?: Db;
}

const CONCURRENCY = 8;

export async function verifyBatch(pdus: readonly JsonObject[], roomVersion: string, options: VerifyBatchOptions = {}): Promise<BatchVerification> {
  const result: BatchVerification = { accepted: [], dropped: [], deferred: [] };
  const seen = new Set<string>();
  const outcomes: Array<PduVerification | { status: "deferred"; reason: string }> = new Array(pdus.length);
  let next = 0;
  const lookup = memoizedLookup(verifyKeyLookup(options.db));
  // A few at a time: each may wait on a key fetch; one slow origin must not serialise the batch.
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, pdus.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= pdus.length) return;
        try {
          outcomes[i] = await verifyPdu(pdus[i]!, roomVersion, lookup, { skipCountLimits: options.skipCountLimits });
        } catch (err) {
          outcomes[i] = { status: "deferred", reason: (err as Error).message };
        }
      }
    }),
  );
  for (const outcome of outcomes) {
    if (outcome.status === "deferred") result.deferred.push({ reason: outcome.reason });
    else if (outcome.status === "dropped") result.dropped.push({ eventId: outcome.eventId, code: outcome.code, reason: outcome.reason });
    else if (options.expectedEventIds && !options.expectedEventIds.has(outcome.eventId)) {
      result.dropped.push({ eventId: outcome.eventId, code: "M_EVENT_ID_MISMATCH", reason: "not one of the events asked for" });
    } else if (!seen.has(outcome.eventId)) {
      seen.add(outcome.eventId);
      result.accepted.push(outcome);
    }
  }
  return result;
}

/**
 * The batch's key lookups, each (server, key ID) asked of the key cache once: a batch of a
 * hundred PDUs from one server needs one key, and asking the database for it a hundred times was
 * most of a batch's verification time. A remembered key answers later PDUs only when it is good
 * for them (an old key, or valid until at least their timestamp), so the answers are the ones
 * the cache would give; a failure is not remembered (the next PDU asks again, as before).
 */
function memoizedLookup(lookup: VerifyKeyLookup): VerifyKeyLookup {
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
