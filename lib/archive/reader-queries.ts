import type { Db } from "@/lib/db";
import type { StoredEvent } from "@/lib/archive/stored-event";

// What the day pages, the feed and permalinks read beside lib/timeline's day windows, navigation
// and visibility: stored events, their relations, display names, and the hours of a busy day
// for the time selector.

/** The event types a reader counts as messages (previous/next day with messages, landing day). */
export const MESSAGE_TYPES = ["m.room.message", "m.sticker"] as const;

export function toStoredEvent(row: {
  eventId: string;
  type: string;
  stateKey: string | null;
  sender: string;
  originServerTs: bigint;
  pdu: string;
  redacted: boolean;
}): StoredEvent {
  return {
    eventId: row.eventId,
    type: row.type,
    stateKey: row.stateKey,
    sender: row.sender,
    ts: Number(row.originServerTs),
    pdu: row.pdu,
    redacted: row.redacted,
  };
}

const eventSelect = { eventId: true, type: true, stateKey: true, sender: true, originServerTs: true, pdu: true, redacted: true, deniedReason: true } as const;

/** Stored events of a room by ID, with the reason of those the archive later denied. */
export async function loadEvents(
  db: Db,
  roomId: string,
  ids: readonly string[],
  options: { withDenied?: boolean } = {},
): Promise<Map<string, StoredEvent & { deniedReason: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.event.findMany({
    where: { roomId, eventId: { in: [...ids] }, rejectedReason: null, softFailedReason: null, ...(options.withDenied ? {} : { deniedReason: null }) },
    select: eventSelect,
  });
  return new Map(rows.map((r) => [r.eventId, { ...toStoredEvent(r), deniedReason: r.deniedReason }]));
}

/** Edits (m.replace) and reactions (m.annotation) aimed at the given events, from any day. */
export async function loadRelations(db: Db, roomId: string, targetIds: readonly string[]): Promise<StoredEvent[]> {
  if (targetIds.length === 0) return [];
  // `room_id || ''` keeps the planner on the relates_to index: without statistics (PGlite) it
  // may otherwise walk all of the room's messages through the (room_id, type, …) index.
  const rows = await db.$queryRaw<
    Array<{ eventId: string; type: string; stateKey: string | null; sender: string; originServerTs: bigint; pdu: string; redacted: boolean }>
  >`
    SELECT event_id AS "eventId", type, state_key AS "stateKey", sender, origin_server_ts AS "originServerTs", pdu, redacted
    FROM events
    WHERE relates_to = ANY(${[...targetIds]}::text[]) AND rel_type IN ('m.replace', 'm.annotation')
      AND room_id || '' = ${roomId} AND type IN ('m.room.message', 'm.reaction') AND denied_reason IS NULL
      AND rejected_reason IS NULL AND soft_failed_reason IS NULL
    LIMIT 10000`;
  return rows.map(toStoredEvent);
}

/** Hours (0–23) of day [start, start + 24 h) that have event items, when the day has more than `min`. */
export async function busyHours(db: Db, roomId: string, start: number, min: number): Promise<number[]> {
  const end = start + 86_400_000;
  // One query for both the day's count and its hours (a count, then the hours, cost two).
  const rows = await db.$queryRaw<Array<{ hour: number; n: number }>>`
    SELECT ((ts - ${BigInt(start)}::bigint) / 3600000)::int AS hour, count(*)::int AS n FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'event' AND ts >= ${BigInt(start)}::bigint AND ts < ${BigInt(end)}::bigint
    GROUP BY 1 ORDER BY 1`;
  const total = rows.reduce((sum, r) => sum + Number(r.n), 0);
  return total <= min ? [] : rows.map((r) => Number(r.hour));
}
