import { Prisma } from "@/lib/generated/prisma/client";
import type { Tx } from "@/lib/timeline/db-types";
import type { MediaRefRow } from "@/lib/timeline/media-refs";
import { SEARCH_CONFIG, type SearchRow } from "@/lib/timeline/search-index";

// Multi-row inserts for the write path: a batch's rows go to the database as one JSON array in
// one statement, expanded there by json_to_recordset. Prisma's createMany builds and checks
// every row's every field in JS, which cost more than the insert itself for a batch of a hundred
// PDUs; one text parameter costs almost nothing to send. json, not jsonb: the text is read once
// either way, and building jsonb's binary form first cost a fifth more on Postgres. The same SQL
// runs on Postgres and PGlite. bigint values travel as decimal strings (JSON numbers stop at 2^53).

export interface EventRow {
  eventId: string;
  roomId: string;
  type: string;
  stateKey: string | null;
  sender: string;
  originServerTs: bigint;
  depth: bigint;
  prevEvents: string[];
  authEvents: string[];
  pdu: string;
  redacted: boolean;
  redactedBy: string | null;
  redacts: string | null;
  redactsAny: boolean;
  rejectedReason: string | null;
  softFailedReason: string | null;
  stateGroup: bigint | null;
  replacesState: string | null;
  relatesTo: string | null;
  relType: string | null;
  source: string;
}

export type ItemRow =
  | { roomId: string; position: bigint; kind: "event"; eventId: string; ts: bigint | null }
  | { roomId: string; position: bigint; kind: "gap"; missingPrevEvents: string[]; unknownSuccessorsOf: string[] };

const big = (v: bigint | null | undefined) => (v === null || v === undefined ? null : v.toString());

const eventJson = (rows: readonly EventRow[]) =>
  JSON.stringify(
    rows.map((r) => ({
      event_id: r.eventId,
      room_id: r.roomId,
      type: r.type,
      state_key: r.stateKey,
      sender: r.sender,
      origin_server_ts: big(r.originServerTs),
      depth: big(r.depth),
      prev_events: r.prevEvents,
      auth_events: r.authEvents,
      pdu: r.pdu,
      redacted: r.redacted,
      redacted_by: r.redactedBy,
      redacts: r.redacts,
      redacts_any: r.redactsAny,
      rejected_reason: r.rejectedReason,
      soft_failed_reason: r.softFailedReason,
      state_group: big(r.stateGroup),
      replaces_state: r.replacesState,
      relates_to: r.relatesTo,
      rel_type: r.relType,
      source: r.source,
    })),
  );

const itemJson = (rows: readonly ItemRow[]) =>
  JSON.stringify(
    rows.map((r) =>
      r.kind === "event"
        ? { room_id: r.roomId, position: big(r.position), kind: r.kind, event_id: r.eventId, ts: big(r.ts), missing: [], tips: [] }
        : { room_id: r.roomId, position: big(r.position), kind: r.kind, event_id: null, ts: null, missing: r.missingPrevEvents, tips: r.unknownSuccessorsOf },
    ),
  );

/** The INSERT of items, alone or as the main part of a batch's statement. */
const itemInsert = (rows: readonly ItemRow[]) => Prisma.sql`
  INSERT INTO timeline_items (room_id, position, kind, event_id, ts, missing_prev_events, unknown_successors_of)
  SELECT room_id, position, kind, event_id, ts, missing, tips
  FROM json_to_recordset(${itemJson(rows)}::json) AS r(room_id text, position bigint, kind text, event_id text, ts bigint, missing text[], tips text[])`;

/** The INSERT of event rows, alone or as part of a larger statement. */
const eventInsert = (rows: readonly EventRow[]) => Prisma.sql`
  INSERT INTO events (event_id, room_id, type, state_key, sender, origin_server_ts, depth, prev_events, auth_events, pdu,
    redacted, redacted_by, redacts, redacts_any, rejected_reason, soft_failed_reason, state_group, replaces_state,
    relates_to, rel_type, source)
  SELECT event_id, room_id, type, state_key, sender, origin_server_ts, depth, prev_events, auth_events, pdu,
    redacted, redacted_by, redacts, redacts_any, rejected_reason, soft_failed_reason, state_group, replaces_state,
    relates_to, rel_type, source
  FROM json_to_recordset(${eventJson(rows)}::json) AS r(event_id text, room_id text, type text, state_key text, sender text,
    origin_server_ts bigint, depth bigint, prev_events text[], auth_events text[], pdu text, redacted boolean,
    redacted_by text, redacts text, redacts_any boolean, rejected_reason text, soft_failed_reason text,
    state_group bigint, replaces_state text, relates_to text, rel_type text, source text)`;

export async function insertEventRows(tx: Tx, rows: readonly EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw(eventInsert(rows));
}

/**
 * A batch's placed events with their search rows and media references, and the items of its
 * runs when they are laid out already, in one statement: each statement is a round trip, and
 * the foreign keys to `events` are checked at the statement's end, when its events are in. Parts
 * with no rows are left out of the statement: each costs planning time, on every batch.
 */
export async function insertPlacedRows(
  tx: Tx,
  roomId: string,
  rows: {
    events: readonly EventRow[];
    search: readonly SearchRow[];
    media: readonly MediaRefRow[];
    items: readonly ItemRow[];
    /** A gap's refreshed record worked out already (see refreshInWrite): missing null, the gap goes. */
    gap?: { id: bigint; missing: string[] | null };
  },
  /** Further parts (CTEs) of the statement, to run after the inserts: the page changes, when nothing follows. */
  last: readonly Prisma.Sql[] = [],
): Promise<void> {
  // Postgres runs the parts the main INSERT does not read after it, the last listed first (seen
  // on 15; not promised, and only what `last` locks, for how long, depends on it).
  const parts = [...last, Prisma.sql`ev AS (${eventInsert(rows.events)})`];
  if (rows.search.length > 0) {
    const search = JSON.stringify(rows.search.map((r) => ({ id: r.eventId, message_id: r.messageId, sender: r.sender, ts: big(r.ts), body: r.body })));
    // No ON CONFLICT: a search row belongs to an event of this statement, which is new (a
    // stored one would fail the events insert first), and its speculative insertion cost more.
    parts.push(Prisma.sql`ms AS (
      INSERT INTO message_search (event_id, room_id, message_id, sender, ts, body, tsv)
      SELECT u.id, ${roomId}, u.message_id, u.sender, u.ts, u.body, to_tsvector(${SEARCH_CONFIG}::regconfig, u.body)
      FROM json_to_recordset(${search}::json) AS u(id text, message_id text, sender text, ts bigint, body text))`);
  }
  if (rows.media.length > 0) {
    parts.push(Prisma.sql`mr AS (
      INSERT INTO media_refs (event_id, room_id, server_name, media_id)
      SELECT r.e, ${roomId}, r.s, r.m FROM json_to_recordset(${JSON.stringify(rows.media)}::json) AS r(e text, s text, m text)
      ON CONFLICT DO NOTHING)`);
  }
  const gap = rows.gap;
  if (gap?.missing === null) parts.push(Prisma.sql`gap_gone AS (DELETE FROM timeline_items WHERE id = ${gap.id}::bigint AND kind = 'gap')`);
  else if (gap) {
    parts.push(Prisma.sql`gap_set AS (
      UPDATE timeline_items SET missing_prev_events = ${gap.missing}::text[], unknown_successors_of = '{}'::text[]
      WHERE id = ${gap.id}::bigint AND kind = 'gap')`);
  }
  await tx.$executeRaw`
    WITH ${Prisma.join(parts, ",\n")}
    ${itemInsert(rows.items)}`;
}

export async function insertItemRows(tx: Tx, rows: readonly ItemRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw(itemInsert(rows));
}
