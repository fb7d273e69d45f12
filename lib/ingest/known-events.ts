import type { Db } from "@/lib/db";
import type { Tx } from "@/lib/timeline";
import type { IngestCaches } from "@/lib/ingest/caches";
import { eventRefs } from "@/lib/federation/store-events";
import type { AuthEvent } from "@/lib/matrix/auth/types";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

// The events that authorization and state resolution read, as the archive holds them: each
// stored event's parsed form and its verdict. Parsed forms never change once stored (a later
// redaction keeps every key the auth rules read), so they are cached by event ID (caches.ts);
// verdicts are read fresh from the database each time.

export interface KnownEvent {
  event: AuthEvent;
  rejected: boolean;
  softFailed: boolean;
  /** Denied after readers saw it (found rejected once its state was known). */
  denied: boolean;
  /** State after the event; null while the state before it is not known. */
  stateGroup: bigint | null;
}

function numberOf(value: JsonValue | undefined): number {
  if (typeof value === "number") return value;
  if (value instanceof JsonNumber) return Number(value.text);
  return 0;
}

export function toAuthEvent(eventId: string, pdu: JsonObject, roomVersion: RoomVersion | string): AuthEvent {
  const version = toRoomVersion(roomVersion);
  const content = isJsonObject(pdu.content) ? pdu.content : {};
  const redacts = version.redactsInContent ? content.redacts : pdu.redacts;
  return {
    eventId,
    roomId: typeof pdu.room_id === "string" ? pdu.room_id : undefined,
    type: typeof pdu.type === "string" ? pdu.type : "",
    stateKey: typeof pdu.state_key === "string" ? pdu.state_key : undefined,
    sender: typeof pdu.sender === "string" ? pdu.sender : "",
    originServerTs: numberOf(pdu.origin_server_ts),
    depth: numberOf(pdu.depth),
    content,
    prevEvents: eventRefs(pdu.prev_events),
    authEvents: eventRefs(pdu.auth_events),
    redacts: typeof redacts === "string" ? redacts : undefined,
  };
}

interface Row {
  event_id: string;
  pdu: string | null;
  rejected_reason: string | null;
  soft_failed_reason: string | null;
  denied_reason: string | null;
  state_group: bigint | null;
}

/**
 * The stored events of a room among `ids`, with their verdicts. Events of another room are not
 * returned (an event cannot authorize anything outside its room).
 */
export async function loadKnownEvents(
  db: Db | Tx,
  cache: IngestCaches["events"],
  roomId: string,
  roomVersion: RoomVersion,
  ids: Iterable<string>,
): Promise<Map<string, KnownEvent>> {
  const wanted = [...new Set(ids)];
  const out = new Map<string, KnownEvent>();
  if (wanted.length === 0) return out;
  const cachedIds = wanted.filter((id) => cache.has(id));
  const needPdu = wanted.filter((id) => !cache.has(id));
  const rows = await db.$queryRaw<Row[]>`
    SELECT event_id, CASE WHEN event_id = ANY(${needPdu}::text[]) THEN pdu END AS pdu,
      rejected_reason, soft_failed_reason, denied_reason, state_group
    FROM events WHERE event_id = ANY(${[...cachedIds, ...needPdu]}::text[]) AND room_id || '' = ${roomId}`;
  for (const row of rows) {
    let event = cache.get(row.event_id);
    if (!event) {
      if (row.pdu === null) continue;
      event = toAuthEvent(row.event_id, parseJsonObject(row.pdu), roomVersion);
      cache.set(event.eventId, event);
    }
    out.set(row.event_id, {
      event,
      rejected: row.rejected_reason !== null,
      softFailed: row.soft_failed_reason !== null,
      denied: row.denied_reason !== null,
      stateGroup: row.state_group,
    });
  }
  return out;
}
