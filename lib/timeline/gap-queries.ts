import type { Db } from "@/lib/db";
import { dayRange } from "@/lib/timeline/day";

/** A gap as readers and fillers see it: where it is (by the events around it) and what it records. */
export interface GapView {
  /** Stable while the gap exists; a split keeps it on the earlier part. */
  gapId: string;
  missingPrevEvents: string[];
  unknownSuccessorsOf: string[];
  /** The nearest event items on each side (null at the room's start or end). */
  eventBefore: string | null;
  eventAfter: string | null;
}

interface GapRow {
  id: bigint;
  missing: string[];
  tips: string[];
  before: string | null;
  after: string | null;
}

const toView = (r: GapRow): GapView => ({
  gapId: r.id.toString(),
  missingPrevEvents: r.missing,
  unknownSuccessorsOf: r.tips,
  eventBefore: r.before,
  eventAfter: r.after,
});

/** Every gap of a room, in timeline order. */
export async function listGaps(db: Db, roomId: string): Promise<GapView[]> {
  const rows = await db.$queryRaw<GapRow[]>`
    SELECT g.id, g.missing_prev_events AS missing, g.unknown_successors_of AS tips,
      (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position < g.position
        ORDER BY i.position DESC LIMIT 1) AS before,
      (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position > g.position
        ORDER BY i.position LIMIT 1) AS after
    FROM timeline_items g WHERE g.room_id = ${roomId} AND g.kind = 'gap' ORDER BY g.position`;
  return rows.map(toView);
}

/**
 * The gaps a page of UTC day `day` shows: those between its first and last event, and the
 * gap right before the first or right after the last (design.md "Day pages").
 */
export async function listDayGaps(db: Db, roomId: string, day: string): Promise<GapView[]> {
  const { start, end } = dayRange(day);
  const rows = await db.$queryRaw<GapRow[]>`
    WITH span AS (
      SELECT min(position) AS first, max(position) AS last FROM timeline_items
      WHERE room_id = ${roomId} AND event_id IS NOT NULL AND ts >= ${start}::bigint AND ts < ${end}::bigint),
    bounds AS (
      SELECT
        (SELECT i.position FROM timeline_items i, span WHERE i.room_id = ${roomId} AND i.position < span.first
          ORDER BY i.position DESC LIMIT 1) AS lead,
        (SELECT i.position FROM timeline_items i, span WHERE i.room_id = ${roomId} AND i.position > span.last
          ORDER BY i.position LIMIT 1) AS trail,
        span.first, span.last FROM span)
    SELECT g.id, g.missing_prev_events AS missing, g.unknown_successors_of AS tips,
      (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position < g.position
        ORDER BY i.position DESC LIMIT 1) AS before,
      (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position > g.position
        ORDER BY i.position LIMIT 1) AS after
    FROM timeline_items g, bounds b
    WHERE g.room_id = ${roomId} AND g.kind = 'gap'
      AND (g.position BETWEEN b.first AND b.last OR g.position = b.lead OR g.position = b.trail)
    ORDER BY g.position`;
  return rows.map(toView);
}
