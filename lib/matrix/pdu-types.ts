import { z } from "zod";

import { isJsonObject, JsonNumber, type JsonObject } from "@/lib/matrix/json-value";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

// Wire types for the events the archive renders (CS § Room Events), as zod schemas used at the
// boundary: a verified PDU's `content` is still untrusted input. Objects are loose so unknown
// keys survive (they may be rendered later, and a PDU must be stored exactly as received).

/** v1–v5 events may carry integers above 2^53 or floats, parsed as JsonNumber. */
const jsonNumber = z.custom<JsonNumber>((value) => value instanceof JsonNumber, "expected a number");
const integer = z.union([z.number().int(), jsonNumber]);
/** v1–v9 accept stringy power levels, v1–v5 floats (FR/v1-stringy-power-levels); v10+ integers only. */
const powerLevel = z.union([z.number(), z.string(), jsonNumber]);

const relatesTo = z.looseObject({
  rel_type: z.string().optional(),
  event_id: z.string().optional(),
  key: z.string().optional(),
  "m.in_reply_to": z.looseObject({ event_id: z.string() }).optional(),
  is_falling_back: z.boolean().optional(),
});

const fileInfo = z.looseObject({
  mimetype: z.string().optional(),
  size: integer.optional(),
  w: integer.optional(),
  h: integer.optional(),
  duration: integer.optional(),
  thumbnail_url: z.string().optional(),
});

const messageBase = {
  body: z.string(),
  format: z.string().optional(),
  formatted_body: z.string().optional(),
  url: z.string().optional(),
  filename: z.string().optional(),
  info: fileInfo.optional(),
  "m.relates_to": relatesTo.optional(),
};

const roomMessageContent = z.looseObject({
  msgtype: z.string(),
  ...messageBase,
  /** The replacement of an edit (`m.relates_to.rel_type` = `m.replace`). */
  "m.new_content": z.looseObject({ msgtype: z.string(), ...messageBase }).optional(),
});

const memberContent = z.looseObject({
  membership: z.enum(["invite", "join", "knock", "leave", "ban"]),
  displayname: z.string().nullable().optional(),
  avatar_url: z.string().nullable().optional(),
  reason: z.string().optional(),
  is_direct: z.boolean().optional(),
  join_authorised_via_users_server: z.string().optional(),
});

const createContent = z.looseObject({
  /** v1–v10 only; v11+ use the event's sender. */
  creator: z.string().optional(),
  room_version: z.string().optional(),
  type: z.string().optional(),
  "m.federate": z.boolean().optional(),
  predecessor: z.looseObject({ room_id: z.string(), event_id: z.string().optional() }).optional(),
  /** v12. */
  additional_creators: z.array(z.string()).optional(),
});

const eventContentSchemas = {
  "m.room.message": roomMessageContent,
  "m.sticker": z.looseObject({ body: z.string(), url: z.string().optional(), info: fileInfo.optional(), "m.relates_to": relatesTo.optional() }),
  "m.reaction": z.looseObject({ "m.relates_to": relatesTo }),
  "m.room.redaction": z.looseObject({ redacts: z.string().optional(), reason: z.string().optional() }),
  "m.room.encrypted": z.looseObject({ algorithm: z.string(), "m.relates_to": relatesTo.optional() }),
  "m.room.member": memberContent,
  "m.room.create": createContent,
  "m.room.name": z.looseObject({ name: z.string() }),
  "m.room.topic": z.looseObject({ topic: z.string() }),
  "m.room.avatar": z.looseObject({ url: z.string().optional(), info: fileInfo.optional() }),
  "m.room.canonical_alias": z.looseObject({ alias: z.string().nullable().optional(), alt_aliases: z.array(z.string()).optional() }),
  "m.room.history_visibility": z.looseObject({ history_visibility: z.enum(["invited", "joined", "shared", "world_readable"]) }),
  "m.room.join_rules": z.looseObject({ join_rule: z.string(), allow: z.array(z.looseObject({ type: z.string() })).optional() }),
  "m.room.guest_access": z.looseObject({ guest_access: z.enum(["can_join", "forbidden"]) }),
  "m.room.power_levels": z.looseObject({
    ban: powerLevel.optional(),
    events: z.record(z.string(), powerLevel).optional(),
    events_default: powerLevel.optional(),
    invite: powerLevel.optional(),
    kick: powerLevel.optional(),
    redact: powerLevel.optional(),
    state_default: powerLevel.optional(),
    users: z.record(z.string(), powerLevel).optional(),
    users_default: powerLevel.optional(),
  }),
  "m.room.server_acl": z.looseObject({
    allow: z.array(z.string()).optional(),
    deny: z.array(z.string()).optional(),
    allow_ip_literals: z.boolean().optional(),
  }),
  "m.room.tombstone": z.looseObject({ body: z.string().optional(), replacement_room: z.string() }),
  "m.room.pinned_events": z.looseObject({ pinned: z.array(z.string()) }),
} as const;

/** Event type → content type, for every event type the archive renders. */
export type EventContentMap = { [K in keyof typeof eventContentSchemas]: z.infer<(typeof eventContentSchemas)[K]> };
export type KnownEventType = keyof EventContentMap;

function isKnownEventType(type: string): type is KnownEventType {
  return Object.hasOwn(eventContentSchemas, type);
}

/** The typed content of a known event type, or undefined when it does not match the schema. */
export function parseEventContent<K extends KnownEventType>(type: K, content: unknown): EventContentMap[K] | undefined {
  const result = eventContentSchemas[type].safeParse(content);
  return result.success ? (result.data as EventContentMap[K]) : undefined;
}

/** A PDU's common fields (DEF/pdu_v1…v12); other keys are kept as received. */
const pduSchema = z.looseObject({
  type: z.string(),
  sender: z.string(),
  /** Absent only on a v12 create event. */
  room_id: z.string().optional(),
  /** v1/v2 only. */
  event_id: z.string().optional(),
  state_key: z.string().optional(),
  origin_server_ts: z.number().int(),
  depth: integer,
  content: z.record(z.string(), z.unknown()),
  hashes: z.looseObject({ sha256: z.string() }),
  signatures: z.record(z.string(), z.record(z.string(), z.string())),
  prev_events: z.array(z.unknown()),
  auth_events: z.array(z.unknown()),
  unsigned: z.record(z.string(), z.unknown()).optional(),
  redacts: z.string().optional(),
});
type Pdu = z.infer<typeof pduSchema>;

/** A PDU with its content typed, when its type is one the archive renders and the content fits. */
export type TypedPdu = { [K in KnownEventType]: Omit<Pdu, "type" | "content"> & { type: K; content: EventContentMap[K] } }[KnownEventType];

export function parseTypedPdu(pdu: JsonObject): TypedPdu | undefined {
  const base = pduSchema.safeParse(pdu);
  if (!base.success || !isKnownEventType(base.data.type)) return undefined;
  const content = parseEventContent(base.data.type, base.data.content);
  return content === undefined ? undefined : ({ ...base.data, content } as TypedPdu);
}

/**
 * The event a redaction targets: top-level `redacts` in v1–v10, `content.redacts` from v11
 * (MSC2174). Undefined for other events or a redacted redaction.
 */
export function redactsOf(pdu: JsonObject, roomVersion: string | RoomVersion): string | undefined {
  if (pdu.type !== "m.room.redaction") return undefined;
  const version = toRoomVersion(roomVersion);
  const redacts = version.redactsInContent ? (isJsonObject(pdu.content) ? pdu.content.redacts : undefined) : pdu.redacts;
  return typeof redacts === "string" ? redacts : undefined;
}

/** `prev_events` as IDs: v1/v2 list `[event_id, hashes]` pairs, v3+ plain IDs. */
export function prevEventIds(pdu: JsonObject): string[] {
  const list = Array.isArray(pdu.prev_events) ? pdu.prev_events : [];
  return list.flatMap((entry) => {
    const id = Array.isArray(entry) ? entry[0] : entry;
    return typeof id === "string" ? [id] : [];
  });
}

/** `auth_events` as IDs, like prevEventIds. */
export function authEventIds(pdu: JsonObject): string[] {
  return prevEventIds({ prev_events: pdu.auth_events ?? [] });
}
