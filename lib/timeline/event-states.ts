import type { Tx } from "@/lib/timeline/db-types";
import { noteRoomChanged } from "@/lib/timeline/page-changes";

export interface EventStateUpdate {
  eventId: string;
  stateGroup: bigint;
  replacesState: string | null;
}

/**
 * Records the state after events whose state was not known when they were stored (their
 * history arrived later). Only fills in what is missing: a known state is never rewritten.
 */
export async function setEventStates(tx: Tx, roomId: string, updates: readonly EventStateUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await tx.$executeRaw`
    UPDATE events e SET state_group = u.g, replaces_state = u.r
    FROM unnest(${updates.map((u) => u.eventId)}::text[], ${updates.map((u) => u.stateGroup.toString())}::bigint[], ${updates.map((u) => u.replacesState)}::text[]) AS u(id, g, r)
    WHERE e.event_id = u.id AND e.room_id || '' = ${roomId} AND e.state_group IS NULL`;
  // Display names and visibility from this place on may change.
  await noteRoomChanged(tx, roomId);
}

/**
 * Stored, accepted events of a room whose state is not known yet, oldest first (by depth), at
 * most `limit`: what a deferred state check walks once older history arrives.
 */
export async function eventsAwaitingState(tx: Tx, roomId: string, limit: number): Promise<Array<{ eventId: string; pdu: string; source: string }>> {
  const rows = await tx.$queryRaw<{ event_id: string; pdu: string; source: string }[]>`
    SELECT event_id, pdu, source FROM events
    WHERE room_id = ${roomId} AND state_group IS NULL
      AND rejected_reason IS NULL AND soft_failed_reason IS NULL AND denied_reason IS NULL
    ORDER BY depth, origin_server_ts, event_id LIMIT ${limit}`;
  return rows.map((r) => ({ eventId: r.event_id, pdu: r.pdu, source: r.source }));
}

/** Whether any event awaiting its state follows one of `eventIds` directly. */
export async function awaitsStateOf(tx: Tx, roomId: string, eventIds: readonly string[]): Promise<boolean> {
  if (eventIds.length === 0) return false;
  const rows = await tx.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM events
    WHERE prev_events && ${[...eventIds]}::text[] AND room_id || '' = ${roomId} AND state_group IS NULL
      AND rejected_reason IS NULL AND soft_failed_reason IS NULL AND denied_reason IS NULL
    LIMIT 1`;
  return rows.length > 0;
}
