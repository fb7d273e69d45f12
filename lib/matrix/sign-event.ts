import { withContentHash } from "@/lib/matrix/event-hashes";
import { cloneJson, isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { redactEvent } from "@/lib/matrix/redaction";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";
import { signJson } from "@/lib/matrix/signatures";
import type { SigningKey } from "@/lib/matrix/signing-key";

/**
 * S2S § Adding hashes and signatures to outgoing events: set the content hash, sign the
 * redacted copy (so the signature survives redaction), and copy its signatures back onto the
 * full event. Returns the signed PDU; `computeEventId` gives its ID (v1/v2 need `event_id` set first).
 */
export function signEvent(event: JsonObject, roomVersion: string | RoomVersion, serverName: string, key: SigningKey): JsonObject {
  const version = toRoomVersion(roomVersion);
  const hashed = withContentHash(cloneJson(event), version);
  const signedRedacted = signJson(redactEvent(hashed, version), serverName, key, version.canonicalJson);
  const pdu: JsonObject = { ...hashed };
  pdu.signatures = isJsonObject(signedRedacted.signatures) ? signedRedacted.signatures : {};
  return pdu;
}
