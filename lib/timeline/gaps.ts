import type { Tx } from "@/lib/timeline/db-types";

/**
 * Brings a gap up to date with what is stored: it records the missing prev_events of the event
 * right after it and those of its recorded edge events that still have no known successor.
 * A gap with nothing left to record is history proven contiguous, and is removed.
 */
export async function refreshGap(tx: Tx, gapId: bigint): Promise<void> {
  const rows = await tx.$queryRaw<{ old_missing: string[]; old_tips: string[]; missing: string[]; tips: string[] }[]>`
    SELECT g.missing_prev_events AS old_missing, g.unknown_successors_of AS old_tips,
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
    WHERE g.id = ${gapId}::bigint AND g.kind = 'gap'`;
  const gap = rows[0];
  if (!gap) return;
  if (gap.missing.length === 0 && gap.tips.length === 0) {
    await tx.$executeRaw`DELETE FROM timeline_items WHERE id = ${gapId}::bigint`;
  } else if (!sameList(gap.missing, gap.old_missing) || !sameList(gap.tips, gap.old_tips)) {
    await tx.$executeRaw`
      UPDATE timeline_items SET missing_prev_events = ${gap.missing}::text[], unknown_successors_of = ${gap.tips}::text[]
      WHERE id = ${gapId}::bigint`;
  }
}

/** Gaps that may have changed because `batchIds` were stored: they missed one, or recorded a prev_event of one as an edge. */
export async function gapsTouchedBy(tx: Tx, roomId: string, batchIds: readonly string[], batchPrevs: readonly string[]): Promise<bigint[]> {
  const rows = await tx.$queryRaw<{ id: bigint }[]>`
    SELECT id FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'gap'
      AND (missing_prev_events && ${[...batchIds]}::text[] OR unknown_successors_of && ${[...batchPrevs]}::text[])`;
  return rows.map((r) => r.id);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
