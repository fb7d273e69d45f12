import type { Db } from "@/lib/db";
import { verifyKeyLookup } from "@/lib/federation/keys/remote-keys";
import type { JsonObject } from "@/lib/matrix/json-value";
import { verifyMany } from "@/lib/federation/verify-pool";
import type { PduVerification } from "@/lib/matrix/verify-pdu";

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

export async function verifyBatch(pdus: readonly JsonObject[], roomVersion: string, options: VerifyBatchOptions = {}): Promise<BatchVerification> {
  const result: BatchVerification = { accepted: [], dropped: [], deferred: [] };
  const seen = new Set<string>();
  // On the verification pool when more than one core is free (verify-pool.ts), same outcomes.
  const outcomes = await verifyMany(pdus, roomVersion, verifyKeyLookup(options.db), { skipCountLimits: options.skipCountLimits });
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
