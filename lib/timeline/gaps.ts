import type { Tx } from "@/lib/timeline/db-types";

/** Of `ids`, the ones stored as events of the room. */
export async function storedAmong(tx: Tx, roomId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ event_id: string }[]>`
    SELECT event_id FROM events WHERE room_id = ${roomId} AND event_id = ANY(${[...ids]}::text[])`;
  return new Set(rows.map((r) => r.event_id));
}

/** Of `ids`, the ones some stored event of the room names among its prev_events. */
export async function withKnownSuccessors(tx: Tx, roomId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT DISTINCT p AS id FROM events e, unnest(e.prev_events) p
    WHERE e.room_id = ${roomId} AND e.prev_events && ${[...ids]}::text[] AND p = ANY(${[...ids]}::text[])`;
  return new Set(rows.map((r) => r.id));
}

/**
 * Brings a gap up to date with what is stored: it records the missing prev_events of the event
 * right after it and those of its recorded edge events that still have no known successor.
 * A gap with nothing left to record is history proven contiguous, and is removed.
 */
export async function refreshGap(tx: Tx, roomId: string, gapId: bigint): Promise<void> {
  const gaps = await tx.$queryRaw<{ position: bigint; missing: string[]; tips: string[] }[]>`
    SELECT position, missing_prev_events AS missing, unknown_successors_of AS tips
    FROM timeline_items WHERE id = ${gapId}::bigint AND kind = 'gap'`;
  const gap = gaps[0];
  if (!gap) return;
  const next = await tx.$queryRaw<{ kind: string; prev_events: string[] | null }[]>`
    SELECT i.kind, e.prev_events FROM timeline_items i LEFT JOIN events e ON e.event_id = i.event_id
    WHERE i.room_id = ${roomId} AND i.position > ${gap.position}::bigint AND i.kind IN ('event', 'gap')
    ORDER BY i.position LIMIT 1`;
  const prevs = next[0]?.kind === "event" ? (next[0].prev_events ?? []) : [];
  const stored = await storedAmong(tx, roomId, prevs);
  const missing = [...new Set(prevs.filter((p) => !stored.has(p)))];
  const resolved = await withKnownSuccessors(tx, roomId, gap.tips);
  const tips = gap.tips.filter((t) => !resolved.has(t));
  if (missing.length === 0 && tips.length === 0) {
    await tx.$executeRaw`DELETE FROM timeline_items WHERE id = ${gapId}::bigint`;
  } else if (!sameList(missing, gap.missing) || !sameList(tips, gap.tips)) {
    await tx.$executeRaw`
      UPDATE timeline_items SET missing_prev_events = ${missing}::text[], unknown_successors_of = ${tips}::text[]
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
