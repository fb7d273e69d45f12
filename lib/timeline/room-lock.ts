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
      // JIT off for the transaction, in the same round trip: compiling costs tens of milliseconds,
      // and a write's statements are short but, without statistics (PGlite; a room just filled),
      // estimated costly enough to trigger it (one read cost 50 ms of compiling for 0.3 of work).
      await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT set_config('jit', 'off', true), pg_advisory_xact_lock(${LOCK_CLASS}::int, hashtext(${roomId}))) l`;
      beginPageChanges(tx);
      const result = await fn(tx);
      await flushPageChanges(tx);
      return result;
    },
    // Large fills and renumbering can take a while; the lock wait is bounded by other fills.
    { timeout: 120_000, maxWait: 120_000 },
  );
}
