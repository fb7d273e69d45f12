import type { Db } from "@/lib/db";
import type { Tx } from "@/lib/timeline/db-types";
import { beginPageChanges, flushPageChanges } from "@/lib/timeline/page-changes";

// First key of the two-key advisory lock, so the timeline's locks never collide with other
// users of advisory locks (the migrator uses the one-key form).
const LOCK_CLASS = 5_101;

/**
 * Runs `fn` in a transaction holding the room's timeline lock, so concurrent writers of one
 * room (live /send, a background backfill, a reader's fill) apply one after the other and
 * every invariant is checked against committed state. Rooms do not block each other. What the
 * writes changed on rendered pages is logged as the transaction's last step (page-changes.ts).
 */
export function withRoomLock<T>(db: Db, roomId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(
    async (tx) => {
      // (JIT is off on the app's Postgres connections, lib/db.ts: a write's short statements
      // without statistics were estimated costly enough to spend 50 ms compiling for 0.3 of work.)
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${roomId}))) l`;
      beginPageChanges(tx);
      const result = await fn(tx);
      await flushPageChanges(tx);
      return result;
    },
    // Large fills and renumbering can take a while; the lock wait is bounded by other fills.
    { timeout: 120_000, maxWait: 120_000 },
  );
}
