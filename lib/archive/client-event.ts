import { str } from "@/lib/archive/stored-event";

// Events as exports give them: the client-server API's "client format" of a room event (CS §
// Room event format): what a Matrix client receives, without the federation fields (hashes,
// signatures, auth and prev events, depth). Built from the stored PDU, so a redacted event has
// its redacted content.

export interface ClientEvent {
  event_id: string;
  room_id: string;
  type: string;
  sender: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  state_key?: string;
  redacts?: string;
}

export function clientEvent(pdu: string, known: { eventId: string; roomId: string; type: string; sender: string; ts: number }): ClientEvent {
  let parsed: Record<string, unknown> = {};
  try {
    const value = JSON.parse(pdu) as unknown;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    // A stored PDU is valid JSON; an unreadable one is exported with empty content rather than failing the export.
  }
  const content =
    typeof parsed.content === "object" && parsed.content !== null && !Array.isArray(parsed.content) ? (parsed.content as Record<string, unknown>) : {};
  const stateKey = str(parsed.state_key);
  const redacts = str(parsed.redacts) ?? str(content.redacts);
  return {
    event_id: known.eventId,
    room_id: known.roomId,
    type: known.type,
    sender: known.sender,
    origin_server_ts: known.ts,
    content,
    ...(stateKey !== undefined ? { state_key: stateKey } : {}),
    ...(redacts !== undefined && known.type === "m.room.redaction" ? { redacts } : {}),
  };
}
