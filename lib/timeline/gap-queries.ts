import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { dayRange } from "@/lib/timeline/day";

/** A gap as readers and fillers see it: where it is (by the events around it) and what it records. */
interface GapView {
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

/** A gap row `g` as a GapView reads it: what it records and the nearest event items on each side. */
const GAP_COLUMNS = Prisma.sql`g.id, g.missing_prev_events AS missing, g.unknown_successors_of AS tips,
  (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position < g.position
    ORDER BY i.position DESC LIMIT 1) AS before,
  (SELECT i.event_id FROM timeline_items i WHERE i.room_id = g.room_id AND i.kind = 'event' AND i.position > g.position
    ORDER BY i.position LIMIT 1) AS after`;

/** Every gap of a room, in timeline order. */
export async function listGaps(db: Db, roomId: string): Promise<GapView[]> {
  const rows = await db.$queryRaw<GapRow[]>`
    SELECT ${GAP_COLUMNS} FROM timeline_items g WHERE g.room_id = ${roomId} AND g.kind = 'gap' ORDER BY g.position`;
  return rows.map(toView);
}

/**
 * The gaps a page of UTC day `day` shows: those between its first and last event, and the
 * gap right before the first or right after the last (docs/day-pages.md).
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
    SELECT ${GAP_COLUMNS} FROM timeline_items g, bounds b
    WHERE g.room_id = ${roomId} AND g.kind = 'gap'
      AND (g.position BETWEEN b.first AND b.last OR g.position = b.lead OR g.position = b.trail)
    ORDER BY g.position`;
  return rows.map(toView);
}

/** One gap of a room with its neighbours, or null when it is gone (filled, or never was). */
export async function getGap(db: Db, roomId: string, gapId: bigint): Promise<GapView | null> {
  const rows = await db.$queryRaw<GapRow[]>`
    SELECT ${GAP_COLUMNS} FROM timeline_items g WHERE g.id = ${gapId}::bigint AND g.room_id = ${roomId} AND g.kind = 'gap'`;
  return rows[0] ? toView(rows[0]) : null;
}

/** The first stored event after the gap that follows `eventId`, if any (where a forwards fill must stop). */
export async function firstEventAfterGap(db: Db, roomId: string, eventId: string): Promise<string | undefined> {
  const rows = await db.$queryRaw<{ event_id: string }[]>`
    WITH anchor AS (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND event_id = ${eventId}),
    gap AS (
      SELECT i.position FROM timeline_items i, anchor
      WHERE i.room_id = ${roomId} AND i.kind = 'gap' AND i.position > anchor.position
      ORDER BY i.position LIMIT 1)
    SELECT i.event_id FROM timeline_items i, gap
    WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.position > gap.position
    ORDER BY i.position LIMIT 1`;
  return rows[0]?.event_id;
}

interface BackfillFrontier {
  /** Missing prev_events of every gap in the cluster: requested together. */
  missing: string[];
  /** The stored event right after the cluster's earliest gap: the batch goes before it. */
  before: string;
}

/** Event items between two gaps for them to count as one cluster (the gaps one batch leaves). */
const CLUSTER_SPAN = 200;
const MAX_SEEDS = 50;

/**
 * The latest cluster of gaps with known missing prev_events, leaving out `skip`. A backfill
 * batch from a forked DAG leaves a gap before each of its oldest events; asking for only one
 * of them would fetch ancestors that belong before the others too, so the whole cluster is
 * filled together and the batch is anchored before its earliest gap.
 */
export async function backfillFrontier(db: Db, roomId: string, skip: ReadonlySet<string>): Promise<BackfillFrontier | undefined> {
  // Only the gap items (by the room/kind/position index), not the whole room: this runs before
  // every backfill request, and counting every event of the room each time made a long
  // backfill quadratic.
  const gaps = await db.$queryRaw<{ position: bigint; missing: string[] }[]>`
    SELECT position, missing_prev_events AS missing FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'gap' AND cardinality(missing_prev_events) > 0
    ORDER BY position DESC`;
  const open = gaps.map((g) => ({ ...g, missing: g.missing.filter((m) => !skip.has(m)) })).filter((g) => g.missing.length > 0);
  const first = open[0];
  if (!first) return undefined;
  const cluster = [first];
  for (const gap of open.slice(1)) {
    const previous = cluster[cluster.length - 1]!;
    // Events between the two gaps, counted only as far as the span.
    const between = await db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM (
        SELECT 1 FROM timeline_items
        WHERE room_id = ${roomId} AND kind = 'event' AND position > ${gap.position}::bigint AND position < ${previous.position}::bigint
        LIMIT ${CLUSTER_SPAN + 1}) x`;
    if ((between[0]?.n ?? 0) > CLUSTER_SPAN) break;
    cluster.push(gap);
  }
  const earliest = cluster[cluster.length - 1]!;
  const next = await db.$queryRaw<{ event_id: string }[]>`
    SELECT event_id FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'event' AND position > ${earliest.position}::bigint
    ORDER BY position LIMIT 1`;
  const before = next[0]?.event_id;
  if (!before) return undefined;
  return { missing: [...new Set(cluster.flatMap((g) => g.missing))].slice(0, MAX_SEEDS), before };
}
