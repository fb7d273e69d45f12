import type { Tx } from "@/lib/timeline/db-types";
import { BELOW_ALL, type NeighbourRow } from "@/lib/timeline/slots";

// What insertBatch must know before it places a batch, read in one statement. On a Postgres
// server every statement is a round trip (a few milliseconds under load), and these reads
// depend only on the batch, not on each other: the room's version, which batch events are
// stored already, the stored prev_events and their positions, the events right after the
// room's gaps, the arrival's anchor, the stored redactions that name batch events, the gaps
// the batch may touch, and the items around the arrival's preferred spot (with the time and
// type of the event there, which tells a live append whether its day had messages). Each part
// asks for a superset of what the
// caller needs (all prev_events and all batch IDs, before the caller knows which batch events
// are new); the caller narrows them. Parts read before the batch's writes stand in for reads
// after them only where the caller accounts for those writes (see insertBatch).

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
  /** Gaps that list a batch event as missing or a batch prev_event as an edge. */
  touching: { id: bigint; missing: string[]; tips: string[] }[];
  /** The item at or before the preferred spot's floor and the one after it (undefined: not asked, or no anchor). */
  around: { floor: bigint; row: NeighbourRow; anchorEvent: { ts: bigint; type: string } | undefined } | undefined;
}

export interface BatchReadsInput {
  roomId: string;
  batchIds: readonly string[];
  prevIds: readonly string[];
  anchorId: string | null;
  /**
   * Where the preferred spot's floor is: a fixed position (a live append), or the anchor's
   * position plus an offset (backfill -1, forwards 0); null: not read (a date jump).
   */
  floor: { at: bigint } | { anchorOffset: bigint } | null;
}

interface Row {
  room_version: string | null;
  existing: string[];
  prevs: string;
  after_gaps: string;
  anchor_position: bigint | null;
  redactions: string;
  touching: string;
  around: string | null;
}

interface AroundJson {
  f: string;
  ai: string | null;
  ap: string | null;
  ak: string | null;
  at: string | null;
  ay: string | null;
  ni: string | null;
  np: string | null;
  nk: string | null;
  nm: string[];
}

const big = (v: string | null) => (v === null ? null : BigInt(v));

/** One statement; bigint values travel inside the JSON parts as decimal strings. */
export async function readBatchContext(tx: Tx, input: BatchReadsInput): Promise<BatchReads> {
  const { roomId, anchorId } = input;
  const batchIds = [...input.batchIds];
  const prevIds = [...input.prevIds];
  const fixedFloor = input.floor && "at" in input.floor ? input.floor.at : null;
  const anchorOffset = input.floor && "anchorOffset" in input.floor ? input.floor.anchorOffset : null;
  const rows = await tx.$queryRaw<Row[]>`
    SELECT (SELECT room_version FROM rooms WHERE room_id = ${roomId}) AS room_version,
      ARRAY(SELECT event_id FROM events WHERE event_id = ANY(${batchIds}::text[])) AS existing,
      (SELECT COALESCE(json_agg(json_build_object('e', e.event_id, 'p', i.position::text)), '[]')::text
         FROM events e LEFT JOIN timeline_items i ON i.event_id = e.event_id
         WHERE e.event_id = ANY(${prevIds}::text[]) AND e.room_id || '' = ${roomId}) AS prevs,
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
         FROM unnest(${batchIds}::text[]) AS t(id)
         -- One index probe per batch event: with \`redacts = ANY(...)\` and no statistics the
         -- planner scanned the whole events table (every room) on each batch.
         CROSS JOIN LATERAL (
           SELECT x.event_id, x.redacts, x.redacts_any, x.sender FROM events x
           WHERE x.redacts = t.id AND x.room_id || '' = ${roomId} OFFSET 0) e
         JOIN timeline_items i ON i.event_id = e.event_id) AS redactions,
      (SELECT COALESCE(json_agg(json_build_object('i', id::text, 'm', missing_prev_events, 't', unknown_successors_of)), '[]')::text
         FROM timeline_items
         WHERE room_id = ${roomId} AND kind = 'gap'
           AND (missing_prev_events && ${batchIds}::text[] OR unknown_successors_of && ${prevIds}::text[])) AS touching,
      (SELECT json_build_object('f', f.floor::text, 'ai', a.id::text, 'ap', a.position::text, 'ak', a.kind,
           'at', a.ts::text, 'ay', (SELECT e.type FROM events e WHERE e.event_id = a.event_id),
           'ni', n.id::text, 'np', n.position::text, 'nk', n.kind,
           'nm', ARRAY(SELECT u.p FROM unnest(COALESCE(ne.prev_events, '{}'::text[])) WITH ORDINALITY u(p, k)
                       WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = u.p AND x.room_id = ${roomId})
                       GROUP BY u.p ORDER BY min(u.k)))::text
         FROM (SELECT COALESCE(${fixedFloor}::bigint,
                 (SELECT position FROM timeline_items WHERE event_id = ${anchorId} AND room_id || '' = ${roomId}) + ${anchorOffset}::bigint) AS floor) f
         LEFT JOIN LATERAL (
           SELECT id, position, kind, ts, event_id FROM timeline_items WHERE room_id = ${roomId} AND position <= f.floor
           ORDER BY position DESC LIMIT 1) a ON true
         LEFT JOIN LATERAL (
           SELECT id, position, kind, event_id FROM timeline_items
           WHERE room_id = ${roomId} AND position > COALESCE(a.position, ${BELOW_ALL}::bigint)
           ORDER BY position LIMIT 1) n ON true
         LEFT JOIN events ne ON ne.event_id = n.event_id
         WHERE f.floor IS NOT NULL) AS around`;
  const r = rows[0]!;
  const prevs = JSON.parse(r.prevs) as { e: string; p: string | null }[];
  const afterGaps = JSON.parse(r.after_gaps) as { m: string[]; p: string; d: string }[];
  const redactions = JSON.parse(r.redactions) as { e: string; r: string; a: boolean; s: string }[];
  const touching = JSON.parse(r.touching) as { i: string; m: string[]; t: string[] }[];
  const around = r.around === null ? null : (JSON.parse(r.around) as AroundJson);
  return {
    roomVersion: r.room_version ?? undefined,
    existing: new Set(r.existing),
    prevs: prevs.map((p) => ({ eventId: p.e, position: p.p === null ? null : BigInt(p.p) })),
    afterGaps: afterGaps.map((g) => ({ missing: g.m, position: BigInt(g.p), depth: BigInt(g.d) })),
    anchorPosition: r.anchor_position ?? undefined,
    redactions: redactions.map((x) => ({ eventId: x.e, redacts: x.r, redactsAny: x.a, sender: x.s })),
    touching: touching.map((g) => ({ id: BigInt(g.i), missing: g.m, tips: g.t })),
    around: around
      ? {
          floor: BigInt(around.f),
          row: {
            anchor_id: big(around.ai),
            anchor_position: big(around.ap),
            anchor_kind: around.ak,
            next_id: big(around.ni),
            next_position: big(around.np),
            next_kind: around.nk,
            next_missing: around.nm,
          },
          anchorEvent: around.ak === "event" && around.at !== null && around.ay !== null ? { ts: BigInt(around.at), type: around.ay } : undefined,
        }
      : undefined,
  };
}
