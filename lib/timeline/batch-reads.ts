import type { Tx } from "@/lib/timeline/db-types";

// What insertBatch must know before it places a batch, read in one statement. On a Postgres
// server every statement is a round trip (a few milliseconds under load), and these five reads
// depend only on the batch, not on each other: the room's version, which batch events are
// stored already, the stored prev_events and their positions, the events right after the
// room's gaps, the arrival's anchor, and the stored redactions that name batch events. Each
// part asks for a superset of what the caller needs (all prev_events and all batch IDs, before
// the caller knows which batch events are new); the caller narrows them.

export interface BatchReads {
  roomVersion: string | undefined;
  existing: Set<string>;
  /** Stored prev_events of batch events, with their position (null: stored, never placed). */
  prevs: { eventId: string; position: bigint | null }[];
  /** Stored events right after a gap that misses prev_events, by position. */
  afterGaps: { missing: string[]; position: bigint; depth: bigint }[];
  /** The position of the arrival's anchor event (backfill's `before`, forwards' `after`); undefined: not in the timeline. */
  anchorPosition: bigint | undefined;
  /** Stored, placed redactions naming batch events, in timeline order. */
  redactions: { eventId: string; redacts: string; redactsAny: boolean; sender: string }[];
}

interface Row {
  room_version: string | null;
  existing: string[];
  prevs: string;
  after_gaps: string;
  anchor_position: bigint | null;
  redactions: string;
}

/** One statement; bigint values travel inside the JSON parts as decimal strings. */
export async function readBatchContext(
  tx: Tx,
  roomId: string,
  batchIds: readonly string[],
  prevIds: readonly string[],
  anchorId: string | null,
): Promise<BatchReads> {
  const rows = await tx.$queryRaw<Row[]>`
    SELECT (SELECT room_version FROM rooms WHERE room_id = ${roomId}) AS room_version,
      ARRAY(SELECT event_id FROM events WHERE event_id = ANY(${[...batchIds]}::text[])) AS existing,
      (SELECT COALESCE(json_agg(json_build_object('e', e.event_id, 'p', i.position::text)), '[]')::text
         FROM events e LEFT JOIN timeline_items i ON i.event_id = e.event_id
         WHERE e.event_id = ANY(${[...prevIds]}::text[]) AND e.room_id || '' = ${roomId}) AS prevs,
      (SELECT COALESCE(json_agg(json_build_object('m', g.missing_prev_events, 'p', b.position::text, 'd', e.depth::text) ORDER BY b.position), '[]')::text
         FROM timeline_items g
         CROSS JOIN LATERAL (
           SELECT i.position, i.event_id FROM timeline_items i
           WHERE i.room_id = g.room_id AND i.position > g.position AND i.kind <> 'denial'
           ORDER BY i.position LIMIT 1) b
         JOIN events e ON e.event_id = b.event_id
         WHERE g.room_id = ${roomId} AND g.kind = 'gap' AND cardinality(g.missing_prev_events) > 0) AS after_gaps,
      (SELECT position FROM timeline_items WHERE event_id = ${anchorId} AND room_id || '' = ${roomId}) AS anchor_position,
      (SELECT COALESCE(json_agg(json_build_object('e', e.event_id, 'r', e.redacts, 'a', e.redacts_any, 's', e.sender) ORDER BY i.position), '[]')::text
         FROM unnest(${[...batchIds]}::text[]) AS t(id)
         -- One index probe per batch event: with \`redacts = ANY(...)\` and no statistics the
         -- planner scanned the whole events table (every room) on each batch.
         CROSS JOIN LATERAL (
           SELECT x.event_id, x.redacts, x.redacts_any, x.sender FROM events x
           WHERE x.redacts = t.id AND x.room_id || '' = ${roomId} OFFSET 0) e
         JOIN timeline_items i ON i.event_id = e.event_id) AS redactions`;
  const r = rows[0]!;
  const prevs = JSON.parse(r.prevs) as { e: string; p: string | null }[];
  const afterGaps = JSON.parse(r.after_gaps) as { m: string[]; p: string; d: string }[];
  const redactions = JSON.parse(r.redactions) as { e: string; r: string; a: boolean; s: string }[];
  return {
    roomVersion: r.room_version ?? undefined,
    existing: new Set(r.existing),
    prevs: prevs.map((p) => ({ eventId: p.e, position: p.p === null ? null : BigInt(p.p) })),
    afterGaps: afterGaps.map((g) => ({ missing: g.m, position: BigInt(g.p), depth: BigInt(g.d) })),
    anchorPosition: r.anchor_position ?? undefined,
    redactions: redactions.map((x) => ({ eventId: x.e, redacts: x.r, redactsAny: x.a, sender: x.s })),
  };
}
