import { MatrixProtocolError } from "@/lib/matrix/errors";
import { computeEventId } from "@/lib/matrix/event-id";
import { cloneJson, isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { checkPduFormat } from "@/lib/matrix/pdu-format";
import { DEFAULT_ROOM_VERSION, findRoomVersion } from "@/lib/matrix/room-versions";
import { signEvent } from "@/lib/matrix/sign-event";
import type { SigningKey } from "@/lib/matrix/signing-key";

// S2S § Joining Rooms: check what make_join returned, then complete and sign the join for send_join.

function badTemplate(message: string): never {
  throw new MatrixProtocolError("M_BAD_TEMPLATE", message);
}

/**
 * Checks a make_join response (MUST checks of S2S § Joining Rooms). Returns the room version
 * (absent means "1") and the event template. Throws M_UNSUPPORTED_ROOM_VERSION or M_BAD_TEMPLATE:
 * discard the template and try another server.
 */
export function checkMakeJoinTemplate(response: unknown, expected: { roomId: string; userId: string }): { roomVersion: string; template: JsonObject } {
  if (!isJsonObject(response)) badTemplate("make_join response is not an object");
  const roomVersion = response.room_version ?? DEFAULT_ROOM_VERSION;
  if (typeof roomVersion !== "string") badTemplate("room_version must be a string");
  if (!findRoomVersion(roomVersion)) {
    throw new MatrixProtocolError("M_UNSUPPORTED_ROOM_VERSION", `room version ${JSON.stringify(roomVersion)} is not supported`);
  }
  const template = response.event;
  if (!isJsonObject(template)) badTemplate("make_join response has no event template");
  const content = template.content;
  if (template.room_id !== expected.roomId) badTemplate(`template is for room ${JSON.stringify(template.room_id)}`);
  if (template.type !== "m.room.member") badTemplate("template is not an m.room.member event");
  if (template.sender !== expected.userId || template.state_key !== expected.userId) {
    badTemplate("template sender and state_key must be the joining user");
  }
  if (!isJsonObject(content) || content.membership !== "join") badTemplate("template membership is not join");
  return { roomVersion, template };
}

/**
 * Completes a checked template as our join: `origin` and `origin_server_ts` set, for v1/v2 an
 * `event_id` of ours, `join_authorised_via_users_server` kept; hashed, redacted, signed. The
 * result must pass our own format check before it is sent.
 */
export function buildJoinEvent(
  template: JsonObject,
  roomVersion: string,
  options: { serverName: string; key: SigningKey; now: number; eventIdLocalpart: string },
): { pdu: JsonObject; eventId: string } {
  const version = findRoomVersion(roomVersion);
  if (!version) throw new MatrixProtocolError("M_UNSUPPORTED_ROOM_VERSION", `room version ${JSON.stringify(roomVersion)} is not supported`);
  const event = cloneJson(template);
  delete event.hashes;
  delete event.signatures;
  delete event.event_id;
  event.origin = options.serverName;
  event.origin_server_ts = options.now;
  if (version.eventIdFormat === "explicit") event.event_id = `$${options.eventIdLocalpart}:${options.serverName}`;
  const pdu = signEvent(event, version, options.serverName, options.key);
  checkPduFormat(pdu, version);
  return { pdu, eventId: computeEventId(pdu, version) };
}
