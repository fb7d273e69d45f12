import type { Db } from "@/lib/db";

/**
 * The m.room.history_visibility in effect at each given event's place in the timeline (a change
 * counts at its own place: state at an event includes the event), or null when the archive holds
 * no change before it. Events outside the room's timeline are left out. Timeline order, not
 * timestamps, decides: a change that arrived late applies from where it sits.
 */
export async function historyVisibilityAt(db: Db, roomId: string, eventIds: readonly string[]): Promise<Map<string, string | null>> {
  const result = new Map<string, string | null>();
  if (eventIds.length === 0) return result;
  // The few history visibility changes come from the events' (room, type, state key) index:
  // starting from the room's timeline items would join every event item of the room (seconds
  // in a 100,000-event room on PGlite, which has no statistics to know better).
  const [changes, targets] = await Promise.all([
    db.$queryRaw<Array<{ position: bigint; visibility: string | null }>>`
      SELECT i.position, (e.pdu::jsonb -> 'content' ->> 'history_visibility') AS visibility
      FROM events e JOIN timeline_items i ON i.event_id = e.event_id
      WHERE e.room_id = ${roomId} AND e.type = 'm.room.history_visibility' AND e.state_key = '' AND i.kind = 'event'
        AND i.room_id || '' = ${roomId} AND e.denied_reason IS NULL AND e.overruled_reason IS NULL
      ORDER BY i.position`,
    // `room_id || ''` keeps the planner on the event_id index (no statistics on PGlite).
    db.$queryRaw<Array<{ event_id: string; position: bigint }>>`
      SELECT event_id, position FROM timeline_items
      WHERE event_id = ANY(${[...eventIds]}::text[]) AND room_id || '' = ${roomId} AND kind = 'event'`,
  ]);
  for (const t of targets) {
    let current: string | null = null;
    for (const c of changes) {
      if (c.position > t.position) break;
      // A change without a readable value is the spec's default.
      current = c.visibility ?? "shared";
    }
    result.set(t.event_id, current);
  }
  return result;
}
