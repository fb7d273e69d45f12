import type { Db } from "@/lib/db";
import { logger } from "@/lib/log";

// A transaction's stored answer is only needed while its sender may still retry it: Synapse
// retries a transaction for minutes to hours, never days, and a PDU it sends again under a new
// txnId is deduplicated by event ID anyway. Older records are deleted, so the table stays the
// size of a day's traffic instead of growing with every transaction ever received.

/** How long a transaction's answer is kept for replays. */
export const TRANSACTION_RETENTION_MS = 24 * 60 * 60 * 1000;
/** At most one prune per process in this interval: it runs on the /send path. */
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

let nextPruneAt = 0;

/** Deletes transactions received before `now - TRANSACTION_RETENTION_MS`; returns how many. */
export async function pruneTransactions(db: Db, now = Date.now()): Promise<number> {
  const { count } = await db.federationTransaction.deleteMany({ where: { receivedAt: { lt: new Date(now - TRANSACTION_RETENTION_MS) } } });
  return count;
}

/** Starts a prune in the background when none ran lately; never throws, never waits. */
export function prunePeriodically(db: Db, now = Date.now()): void {
  if (now < nextPruneAt) return;
  nextPruneAt = now + PRUNE_INTERVAL_MS;
  pruneTransactions(db, now).then(
    (count) => count > 0 && logger.info({ count }, "pruned old federation transactions"),
    (err: unknown) => logger.warn({ err }, "pruning federation transactions failed"),
  );
}
