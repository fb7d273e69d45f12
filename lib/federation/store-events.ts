import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { toRoomVersion } from "@/lib/matrix/room-versions";
import type { TimelineEventInput } from "@/lib/timeline";

// Verified PDUs as lib/timeline stores them (the ingest pipeline adds the verdicts).

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
