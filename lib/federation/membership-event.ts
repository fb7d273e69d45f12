import { randomBytes } from "node:crypto";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { computeEventId } from "@/lib/matrix/event-id";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { toRoomVersion } from "@/lib/matrix/room-versions";
import { signEvent } from "@/lib/matrix/sign-event";
import { FederationError } from "@/lib/federation/errors";

export class TemplateError extends FederationError<"M_BAD_TEMPLATE"> {
  constructor(message: string) {
    super("M_BAD_TEMPLATE", message);
  }
}

/**
 * Checks a make_join/make_leave template (S2S § Joining Rooms: MUST) and turns it into our
 * signed membership event. Returns the PDU and its ID.
 */
export function buildMembershipEvent(
  template: JsonObject,
  args: { roomId: string; userId: string; membership: "join" | "leave"; roomVersion: string },
): { event: JsonObject; eventId: string } {
  const content = isJsonObject(template.content) ? template.content : undefined;
  // v12 templates may omit room_id only on the create event, never on a membership event.
  if (template.room_id !== args.roomId) throw new TemplateError(`template is for room ${String(template.room_id)}, not ${args.roomId}`);
  if (template.type !== "m.room.member") throw new TemplateError(`template type is ${String(template.type)}`);
  if (template.sender !== args.userId || template.state_key !== args.userId) throw new TemplateError("template sender/state_key is not our user");
  if (content?.membership !== args.membership) throw new TemplateError(`template membership is ${String(content?.membership)}`);
  const version = toRoomVersion(args.roomVersion);
  const serverName = getOwnServerName();
  const event: JsonObject = { ...template, origin: serverName, origin_server_ts: Date.now() };
  delete event.hashes;
  delete event.signatures;
  delete event.unsigned;
  if (version.eventIdFormat === "explicit") event.event_id = `$${randomBytes(12).toString("base64url")}:${serverName}`;
  else delete event.event_id;
  const signed = signEvent(event, version, serverName, getOwnSigningKey());
  return { event: signed, eventId: computeEventId(signed, version) };
}
