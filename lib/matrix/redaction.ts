import { cloneJson, isJsonObject, setOwn, type JsonObject } from "@/lib/matrix/json-value";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

// The redaction algorithm (FR/v1-redactions, FR/v6-redactions, RV/v8, FR/v9-redactions,
// FR/v11-redactions). It feeds event IDs and signatures, so a single key too many or too few
// gives every event of a room version the wrong ID.

const TOP_LEVEL_V11 = [
  "event_id",
  "type",
  "room_id",
  "sender",
  "state_key",
  "content",
  "hashes",
  "signatures",
  "depth",
  "prev_events",
  "auth_events",
  "origin_server_ts",
] as const;
const TOP_LEVEL_V1 = [...TOP_LEVEL_V11, "prev_state", "origin", "membership"] as const;

const POWER_LEVEL_KEYS = ["ban", "events", "events_default", "kick", "redact", "state_default", "users", "users_default"];

type Rules = RoomVersion["redaction"];

function keptContentKeys(type: string, rules: Rules): readonly string[] | "all" {
  switch (type) {
    case "m.room.member":
      return rules === "v9" || rules === "v11" ? ["membership", "join_authorised_via_users_server"] : ["membership"];
    case "m.room.create":
      return rules === "v11" ? "all" : ["creator"];
    case "m.room.join_rules":
      return rules === "v1" || rules === "v6" ? ["join_rule"] : ["join_rule", "allow"];
    case "m.room.power_levels":
      return rules === "v11" ? [...POWER_LEVEL_KEYS, "invite"] : POWER_LEVEL_KEYS;
    case "m.room.history_visibility":
      return ["history_visibility"];
    case "m.room.aliases":
      return rules === "v1" ? ["aliases"] : [];
    case "m.room.redaction":
      return rules === "v11" ? ["redacts"] : [];
    default:
      return [];
  }
}

function redactContent(type: string, content: JsonObject, rules: Rules): JsonObject {
  const kept = keptContentKeys(type, rules);
  if (kept === "all") return cloneJson(content);
  const result: JsonObject = {};
  for (const key of kept) {
    const value = content[key];
    if (value !== undefined) setOwn(result, key, cloneJson(value));
  }
  if (rules === "v11" && type === "m.room.member") {
    // MSC3821: only the `signed` block of a third-party invite survives; an object without it
    // still leaves an empty object behind (as Synapse does).
    const invite = content.third_party_invite;
    if (isJsonObject(invite)) {
      const reduced: JsonObject = {};
      if (invite.signed !== undefined) reduced.signed = cloneJson(invite.signed);
      result.third_party_invite = reduced;
    }
  }
  return result;
}

const KEPT_V11: ReadonlySet<string> = new Set(TOP_LEVEL_V11);
const KEPT_V1: ReadonlySet<string> = new Set(TOP_LEVEL_V1);

/** The top-level keys redaction keeps; every one but `content` keeps its value unchanged. */
export function keptTopLevelKeys(roomVersion: string | RoomVersion): ReadonlySet<string> {
  return toRoomVersion(roomVersion).redaction === "v11" ? KEPT_V11 : KEPT_V1;
}

/** The `content` of the event's redacted copy (a new object; the event's own is not changed). */
export function redactedContent(event: JsonObject, roomVersion: string | RoomVersion): JsonObject {
  const rules = toRoomVersion(roomVersion).redaction;
  const type = typeof event.type === "string" ? event.type : "";
  return isJsonObject(event.content) ? redactContent(type, event.content, rules) : {};
}

/** Returns the redacted copy of an event (the input is not changed). `unsigned` never survives. */
export function redactEvent(event: JsonObject, roomVersion: string | RoomVersion): JsonObject {
  const version = toRoomVersion(roomVersion);
  const result: JsonObject = {};
  for (const key of keptTopLevelKeys(version)) {
    const value = event[key];
    if (value === undefined) continue;
    result[key] = key === "content" ? redactedContent(event, version) : cloneJson(value);
  }
  return result;
}
