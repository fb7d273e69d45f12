import { hash } from "node:crypto";

import { encodeBase64, encodeBase64Url } from "@/lib/matrix/base64";
import { MatrixProtocolError } from "@/lib/matrix/errors";
import { computeReferenceHash } from "@/lib/matrix/event-hashes";
import type { JsonObject } from "@/lib/matrix/json-value";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The event ID of a PDU: v1/v2 carry it in `event_id`; v3 is `$` + standard base64 of the
 * reference hash; v4+ URL-safe base64. The PDU must already carry its `hashes`.
 */
export function computeEventId(event: JsonObject, roomVersion: string | RoomVersion): string {
  const version = toRoomVersion(roomVersion);
  if (version.eventIdFormat === "explicit") {
    if (typeof event.event_id !== "string") {
      throw new MatrixProtocolError("M_BAD_EVENT_FORMAT", `room version ${version.id} events must carry an event_id`);
    }
    return event.event_id;
  }
  return eventIdOfHash(computeReferenceHash(event, version), version);
}

function eventIdOfHash(digest: Uint8Array, version: RoomVersion): string {
  return "$" + (version.eventIdFormat === "base64" ? encodeBase64(digest) : encodeBase64Url(digest));
}

/** The v3+ event ID of the bytes the reference hash covers (verifyPdu's signing payload, hashed once for both). */
export function eventIdOfBytes(bytes: Uint8Array, version: RoomVersion): string {
  // Node's base64url has no padding; a sha256's standard base64 ends in exactly one `=`.
  if (version.eventIdFormat === "base64url") return "$" + hash("sha256", bytes, "base64url");
  return "$" + hash("sha256", bytes, "base64").slice(0, -1);
}

/**
 * v12 (MSC4291): the room ID is the create event's reference hash, URL-safe, behind `!`; the
 * create event itself carries no `room_id`.
 */
export function roomIdFromCreateEvent(createEvent: JsonObject, roomVersion: string | RoomVersion = "12"): string {
  const version = toRoomVersion(roomVersion);
  if (!version.roomIdFromCreateEvent) {
    throw new MatrixProtocolError("M_BAD_EVENT_FORMAT", `room version ${version.id} room IDs are not derived from the create event`);
  }
  return "!" + encodeBase64Url(computeReferenceHash(createEvent, version));
}

/** The create event ID a v12 room ID stands for (same hash, `$` instead of `!`). */
export function createEventIdFromRoomId(roomId: string): string {
  return "$" + roomId.slice(1);
}
