import { canonicalJson } from "@/lib/matrix/canonical-json";
import { MatrixProtocolError } from "@/lib/matrix/errors";
import { createEventIdFromRoomId } from "@/lib/matrix/event-id";
import { isValidQualifiedId, MAX_ID_BYTES, utf8Length } from "@/lib/matrix/identifiers";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

/** A PDU, signatures included, is at most this many bytes of canonical JSON (S2S § Size limits). */
export const MAX_PDU_BYTES = 65536;
const MAX_PREV_EVENTS = 20;
const MAX_AUTH_EVENTS = 10;

export interface PduFormatOptions {
  /** `/backfill` responses MUST NOT be checked against the 20/10 prev/auth event counts (API/backfill). */
  skipCountLimits?: boolean;
}

const HASH_ID = { base64: /^\$[A-Za-z0-9+/]{43}$/, base64url: /^\$[A-Za-z0-9_-]{43}$/ } as const;
const V12_ROOM_ID = /^![A-Za-z0-9_-]{43}$/;

function fail(message: string): never {
  throw new MatrixProtocolError("M_BAD_EVENT_FORMAT", message);
}

/**
 * Checks a PDU against its room version's format (S2S § Checks performed on receipt, step 1;
 * DEF/pdu_v1…v12). Throws MatrixProtocolError: M_BAD_JSON when a v6+ event is not strictly
 * canonical, M_TOO_LARGE for size limits, M_BAD_EVENT_FORMAT for everything else.
 */
export function checkPduFormat(
  pdu: unknown,
  roomVersion: string | RoomVersion,
  options: PduFormatOptions = {},
  /** The UTF-8 length of the PDU's canonical JSON, when the caller encoded it already. */
  canonicalBytes?: number,
): asserts pdu is JsonObject {
  const version = toRoomVersion(roomVersion);
  if (!isJsonObject(pdu)) fail("a PDU must be a JSON object");

  const bytes = canonicalBytes ?? utf8Length(canonicalJson(pdu, version.canonicalJson));
  if (bytes > MAX_PDU_BYTES) {
    throw new MatrixProtocolError("M_TOO_LARGE", `PDU is ${bytes} bytes of canonical JSON, over ${MAX_PDU_BYTES}`);
  }

  const type = requireString(pdu, "type");
  limitBytes("type", type);
  if (pdu.state_key !== undefined) limitBytes("state_key", requireString(pdu, "state_key"));
  const sender = requireString(pdu, "sender");
  if (!isValidQualifiedId(sender, "@")) fail(`sender ${JSON.stringify(sender)} is not a user ID`);
  if (pdu.origin !== undefined && typeof pdu.origin !== "string") fail("origin must be a string");

  checkRoomId(pdu, type, version);
  requireSafeInteger(pdu, "origin_server_ts");
  checkDepth(pdu.depth, version);

  if (!isJsonObject(pdu.content)) fail("content must be an object");
  if (!isJsonObject(pdu.hashes) || typeof pdu.hashes.sha256 !== "string") fail("hashes.sha256 must be a string");
  checkSignatures(pdu.signatures);
  if (pdu.unsigned !== undefined && !isJsonObject(pdu.unsigned)) fail("unsigned must be an object");

  if (version.eventIdFormat === "explicit") {
    const eventId = requireString(pdu, "event_id");
    if (!isValidQualifiedId(eventId, "$")) fail(`event_id ${JSON.stringify(eventId)} is not an event ID`);
  }
  checkReferences(pdu, "prev_events", version, options.skipCountLimits ? Infinity : MAX_PREV_EVENTS);
  const auth = checkReferences(pdu, "auth_events", version, options.skipCountLimits ? Infinity : MAX_AUTH_EVENTS);

  if (version.roomIdFromCreateEvent && type !== "m.room.create" && typeof pdu.room_id === "string") {
    // v12: the create event is implied by the room ID and MUST NOT be listed.
    if (auth.includes(createEventIdFromRoomId(pdu.room_id))) fail("auth_events must not include the create event");
  }
}

function requireString(pdu: JsonObject, key: string): string {
  const value = pdu[key];
  if (typeof value !== "string") fail(`${key} must be a string`);
  return value;
}

function limitBytes(key: string, value: string): void {
  if (utf8Length(value) > MAX_ID_BYTES) {
    throw new MatrixProtocolError("M_TOO_LARGE", `${key} is longer than ${MAX_ID_BYTES} bytes`);
  }
}

function requireSafeInteger(pdu: JsonObject, key: string): void {
  if (!Number.isSafeInteger(pdu[key])) fail(`${key} must be an integer`);
}

function checkRoomId(pdu: JsonObject, type: string, version: RoomVersion): void {
  const roomId = pdu.room_id;
  if (version.roomIdFromCreateEvent && type === "m.room.create" && pdu.state_key === "") {
    if (roomId !== undefined) fail(`a room version ${version.id} create event must not have a room_id`);
    return;
  }
  if (typeof roomId !== "string") fail("room_id must be a string");
  const valid = version.roomIdFromCreateEvent ? V12_ROOM_ID.test(roomId) : isValidQualifiedId(roomId, "!");
  if (!valid) fail(`room_id ${JSON.stringify(roomId)} is not a room version ${version.id} room ID`);
}

function checkDepth(depth: JsonValue | undefined, version: RoomVersion): void {
  let value: bigint;
  if (typeof depth === "number" && Number.isSafeInteger(depth)) value = BigInt(depth);
  else if (depth instanceof JsonNumber && depth.isIntegerLiteral) value = BigInt(depth.text);
  else fail("depth must be an integer");
  if (value < 0n || value > version.maxDepth) fail(`depth ${value} is outside 0…${version.maxDepth}`);
}

function checkSignatures(signatures: JsonValue | undefined): void {
  if (!isJsonObject(signatures)) fail("signatures must be an object");
  for (const server of Object.keys(signatures)) {
    const byKey = signatures[server];
    if (!isJsonObject(byKey)) fail(`signatures.${server} must be an object`);
    for (const keyId of Object.keys(byKey)) {
      if (typeof byKey[keyId] !== "string") fail(`signatures.${server}.${keyId} must be a string`);
    }
  }
}

/** Returns the referenced event IDs after checking the shape for the room version. */
function checkReferences(pdu: JsonObject, key: "prev_events" | "auth_events", version: RoomVersion, max: number): string[] {
  const list = pdu[key];
  if (!Array.isArray(list)) fail(`${key} must be an array`);
  if (list.length > max) fail(`${key} has ${list.length} entries, more than ${max}`);
  return list.map((entry) => {
    if (version.eventIdFormat === "explicit") {
      // v1/v2: [event_id, {"sha256": "..."}]
      if (!Array.isArray(entry) || entry.length !== 2 || !isJsonObject(entry[1])) {
        fail(`${key} entries must be [event_id, hashes] pairs in room version ${version.id}`);
      }
      const [id] = entry;
      if (typeof id !== "string" || !isValidQualifiedId(id, "$")) fail(`${key} holds a bad event ID`);
      return id;
    }
    if (typeof entry !== "string" || !HASH_ID[version.eventIdFormat].test(entry)) {
      fail(`${key} entries must be room version ${version.id} event IDs`);
    }
    return entry;
  });
}
