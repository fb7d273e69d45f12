import type { Tx } from "@/lib/timeline/db-types";

/**
 * Brings a gap up to date with what is stored: it records the missing prev_events of the event
 * right after it and those of its recorded edge events that still have no known successor.
 * A gap with nothing left to record is history proven contiguous, and is removed.
 */
export async function refreshGap(tx: Tx, gapId: bigint): Promise<void> {
  // Read, then delete or update, in one statement (one round trip): both modifying parts see
  // the gap as the read found it, and at most one of them applies.
  await tx.$queryRaw`
    WITH g AS (
      SELECT g.id, g.missing_prev_events AS old_missing, g.unknown_successors_of AS old_tips,
        ARRAY(SELECT u.p FROM unnest(CASE WHEN nx.kind = 'event' THEN nx.prev_events ELSE '{}'::text[] END) WITH ORDINALITY u(p, n)
              WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = u.p AND x.room_id = g.room_id)
              GROUP BY u.p ORDER BY min(u.n)) AS missing,
        ARRAY(SELECT v.t FROM unnest(g.unknown_successors_of) WITH ORDINALITY v(t, n)
              WHERE NOT EXISTS (SELECT 1 FROM events s WHERE s.prev_events @> ARRAY[v.t] AND s.room_id || '' = g.room_id)
              ORDER BY v.n) AS tips
      FROM timeline_items g
      LEFT JOIN LATERAL (
        SELECT i.kind, e.prev_events FROM timeline_items i LEFT JOIN events e ON e.event_id = i.event_id
        WHERE i.room_id = g.room_id AND i.position > g.position AND i.kind <> 'denial'
        ORDER BY i.position LIMIT 1) nx ON true
      WHERE g.id = ${gapId}::bigint AND g.kind = 'gap'),
    gone AS (
      DELETE FROM timeline_items t USING g
      WHERE t.id = g.id AND cardinality(g.missing) = 0 AND cardinality(g.tips) = 0
      RETURNING t.id),
    changed AS (
      UPDATE timeline_items t SET missing_prev_events = g.missing, unknown_successors_of = g.tips FROM g
      WHERE t.id = g.id AND (cardinality(g.missing) > 0 OR cardinality(g.tips) > 0)
        AND (g.missing IS DISTINCT FROM g.old_missing OR g.tips IS DISTINCT FROM g.old_tips)
      RETURNING t.id)
    SELECT (SELECT count(*) FROM gone)::int AS gone, (SELECT count(*) FROM changed)::int AS changed`;
}

/** Gaps that may have changed because `batchIds` were stored: they missed one, or recorded a prev_event of one as an edge. */
export async function gapsTouchedBy(tx: Tx, roomId: string, batchIds: readonly string[], batchPrevs: readonly string[]): Promise<bigint[]> {
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'gap'
      AND (missing_prev_events && ${[...batchIds]}::text[] OR unknown_successors_of && ${[...batchPrevs]}::text[])`;
  return rows.map((r) => r.id);
}
