import type { Db } from "@/lib/db";
import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { redactEvent } from "@/lib/matrix/redaction";
import { toRoomVersion } from "@/lib/matrix/room-versions";
import { insertEvents, type Arrival, type EventSource, type TimelineEventInput } from "@/lib/timeline";

// The federation layer's only way into the store: verified PDUs become timeline inputs and go
// through lib/timeline, which places them and keeps the timeline's invariants.

function bigintOf(value: JsonValue | undefined): bigint {
  if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
  if (value instanceof JsonNumber && value.isIntegerLiteral) return BigInt(value.text);
  return 0n;
}

/** prev_events/auth_events as IDs: v1/v2 write `[id, {hashes}]` pairs, v3+ plain IDs. */
export function eventRefs(value: JsonValue | undefined): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((v) => (typeof v === "string" ? v : Array.isArray(v) && typeof v[0] === "string" ? v[0] : undefined))
    .filter((v): v is string => v !== undefined);
}

export function toTimelineInput(roomId: string, roomVersion: string, accepted: AcceptedPdu): TimelineEventInput {
  const version = toRoomVersion(roomVersion);
  const pdu = accepted.pdu;
  const content = isJsonObject(pdu.content) ? pdu.content : {};
  const redactsValue = version.redactsInContent ? content.redacts : pdu.redacts;
  return {
    eventId: accepted.eventId,
    roomId,
    type: typeof pdu.type === "string" ? pdu.type : "",
    stateKey: typeof pdu.state_key === "string" ? pdu.state_key : null,
    sender: typeof pdu.sender === "string" ? pdu.sender : "",
    originServerTs: bigintOf(pdu.origin_server_ts),
    depth: bigintOf(pdu.depth),
    prevEvents: eventRefs(pdu.prev_events),
    authEvents: eventRefs(pdu.auth_events),
    pdu: canonicalJson(withoutUnsigned(pdu), version.canonicalJson),
    redacted: accepted.redacted,
    redacts: pdu.type === "m.room.redaction" && typeof redactsValue === "string" ? redactsValue : null,
  };
}

/** `unsigned` is the sending server's local view (age, prev_content): not part of the event. */
function withoutUnsigned(pdu: JsonObject): JsonObject {
  const copy: JsonObject = { ...pdu };
  delete copy.unsigned;
  return copy;
}

const redactText = (pduJson: string, roomVersion: string): string => {
  const version = toRoomVersion(roomVersion);
  return canonicalJson(redactEvent(parseJsonObject(pduJson), version), version.canonicalJson);
};

export async function storeVerified(
  db: Db,
  room: { roomId: string; roomVersion: string },
  accepted: readonly AcceptedPdu[],
  arrival: Arrival,
  source?: EventSource,
): Promise<{ inserted: string[]; duplicates: string[] }> {
  if (accepted.length === 0) return { inserted: [], duplicates: [] };
  return insertEvents(db, {
    roomId: room.roomId,
    arrival,
    events: accepted.map((a) => toTimelineInput(room.roomId, room.roomVersion, a)),
    source,
    redact: redactText,
  });
}
