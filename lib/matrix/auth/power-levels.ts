import type { AuthEvent, AuthState } from "@/lib/matrix/auth/types";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { isValidQualifiedId } from "@/lib/matrix/identifiers";
import { isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";

// Power levels as the auth rules read them (CS § m.room.power_levels; S2S § Definitions), per
// room version:
//
// - v1–v5: integers, numeric strings (FR/v1-stringy-power-levels) and floats, truncated toward
//   zero after applying the exponent (FR/v1-floaty-power-levels); Infinity/NaN/out of double range
//   are invalid.
// - v6–v9: integers and numeric strings (floats cannot occur: strict canonical JSON).
// - v10+: integers only.
//
// A value the version does not accept is *invalid*. Like Synapse and Ruma, an invalid value only
// refuses an event when a rule reads it (a message is not refused because `ban` is garbage), so
// parsing records invalid values instead of failing, and readers throw InvalidPowerLevel, which
// checkAuthRules turns into a refusal under the rule that read it. JSON `null` reads as absent
// (Synapse's `.get()`), but is invalid where a rule validates a new power-levels event.
//
// Parsing happens once per content object and mode (a WeakMap cache), so state resolution, which
// checks many events against the same power-levels event, parses it once.

const DEFAULT_USERS = 0;
const DEFAULT_EVENTS = 0;
const DEFAULT_STATE = 50;
const DEFAULT_BAN = 50;
const DEFAULT_KICK = 50;
const DEFAULT_REDACT = 50;
const DEFAULT_INVITE = 0;
/** v1–v11 rooms with no power-levels event: the creator has 100. */
const CREATOR_DEFAULT_LEVEL = 100;

export const INTEGER_FIELDS = ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"] as const;
export type IntegerField = (typeof INTEGER_FIELDS)[number];

/** An invalid value: present, but not a power level in this room version. */
export const INVALID = null;
/** `undefined`: absent; `null`: invalid; else the level. */
type Level = number | undefined | null;

export type PowerLevelMode = "float" | "string" | "integer";

export function powerLevelMode(version: RoomVersion): PowerLevelMode {
  if (version.integerPowerLevels) return "integer";
  return version.floatPowerLevels ? "float" : "string";
}

const STRING_INTEGER = /^[+-]?[0-9]+$/;

/** One value as a power level, or INVALID. JSON null is INVALID here; readers treat it as absent first. */
export function parseLevel(value: JsonValue | undefined, mode: PowerLevelMode): number | null {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value;
    if (mode === "float" && Number.isFinite(value)) return Math.trunc(value);
    return INVALID;
  }
  if (value instanceof JsonNumber) {
    if (mode === "integer") return INVALID;
    if (mode === "string" && !value.isIntegerLiteral) return INVALID;
    const number = Number(value.text);
    return Number.isFinite(number) ? Math.trunc(number) : INVALID;
  }
  if (typeof value === "string" && mode !== "integer") {
    const trimmed = value.trim();
    if (!STRING_INTEGER.test(trimmed)) return INVALID;
    const number = Number(trimmed);
    return Number.isFinite(number) ? number : INVALID;
  }
  return INVALID;
}

/** A level map (`events`, `notifications`, `users`): each entry a level or INVALID; JSON null entries are skipped. */
export type LevelMap = ReadonlyMap<string, number | null>;

export interface ParsedPowerLevels {
  readonly fields: Readonly<Record<IntegerField, Level>>;
  /** `undefined`: absent; `null`: present but not an object. */
  readonly events: LevelMap | undefined | null;
  readonly notifications: LevelMap | undefined | null;
  readonly users: LevelMap | undefined | null;
}

function parseMap(value: JsonValue | undefined, mode: PowerLevelMode): LevelMap | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) return INVALID;
  const map = new Map<string, number | null>();
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (item === null || item === undefined) continue;
    map.set(key, parseLevel(item, mode));
  }
  return map;
}

function parsePowerLevels(content: JsonObject, mode: PowerLevelMode): ParsedPowerLevels {
  const fields = {} as Record<IntegerField, Level>;
  for (const field of INTEGER_FIELDS) {
    const value = content[field];
    fields[field] = value === undefined || value === null ? undefined : parseLevel(value, mode);
  }
  return {
    fields,
    events: parseMap(content.events, mode),
    notifications: parseMap(content.notifications, mode),
    users: parseMap(content.users, mode),
  };
}

const cache: Record<PowerLevelMode, WeakMap<JsonObject, ParsedPowerLevels>> = {
  float: new WeakMap(),
  string: new WeakMap(),
  integer: new WeakMap(),
};

/** The parsed content of a power-levels event (cached per content object). */
export function parsedPowerLevels(content: JsonObject, mode: PowerLevelMode): ParsedPowerLevels {
  const byMode = cache[mode];
  let parsed = byMode.get(content);
  if (!parsed) {
    parsed = parsePowerLevels(content, mode);
    byMode.set(content, parsed);
  }
  return parsed;
}

/** Thrown by readers when a rule reads an invalid value; checkAuthRules refuses under `rule`. */
export class InvalidPowerLevel extends Error {
  constructor(
    readonly rule: string,
    readonly what: string,
  ) {
    super(`${what} in m.room.power_levels is not a valid power level`);
    this.name = "InvalidPowerLevel";
  }
}

const EMPTY_CREATORS: ReadonlySet<string> = new Set();
const creatorsCache = new WeakMap<AuthEvent, ReadonlySet<string>>();

/**
 * v12 creators: the create event's `sender` plus `content.additional_creators` (strings only;
 * rule 1.4 refuses a create event whose list is malformed, so that cannot be in an accepted room).
 */
export function roomCreators(create: AuthEvent): ReadonlySet<string> {
  let creators = creatorsCache.get(create);
  if (!creators) {
    const set = new Set<string>([create.sender]);
    const additional = create.content.additional_creators;
    if (Array.isArray(additional)) for (const user of additional) if (typeof user === "string") set.add(user);
    creators = set;
    creatorsCache.set(create, creators);
  }
  return creators;
}

/** v1–v10: `content.creator`; v11+: the create event's `sender` (the one creator of rule 4.3.1 / 5.3.1). */
export function roomCreator(create: AuthEvent, version: RoomVersion): string | undefined {
  if (!version.createHasCreator) return create.sender;
  const creator = create.content.creator;
  return typeof creator === "string" ? creator : undefined;
}

const PL_KEY = stateKeyOf("m.room.power_levels", "");
const CREATE_KEY = stateKeyOf("m.room.create", "");

/**
 * The power levels in force in an auth state, parsed once, with the level lookups the rules use.
 * Every lookup takes the number of the rule reading it, for the refusal if the value is invalid.
 */
export class PowerLevels {
  readonly event: AuthEvent | undefined;
  readonly parsed: ParsedPowerLevels | undefined;
  private readonly creators: ReadonlySet<string>;
  private readonly creator: string | undefined;

  constructor(
    state: AuthState,
    readonly version: RoomVersion,
  ) {
    this.event = state.get(PL_KEY);
    this.parsed = this.event ? parsedPowerLevels(this.event.content, powerLevelMode(version)) : undefined;
    const create = state.get(CREATE_KEY);
    this.creators = create && version.privilegedCreators ? roomCreators(create) : EMPTY_CREATORS;
    this.creator = create ? roomCreator(create, version) : undefined;
  }

  /** A user's level: Infinity for v12 creators; else `users`, `users_default`, 0; with no power-levels event, 100 for the creator (v1–v11). */
  userLevel(userId: string, rule: string): number {
    if (this.creators.has(userId)) return Infinity;
    const parsed = this.parsed;
    if (!parsed) return !this.version.privilegedCreators && userId === this.creator ? CREATOR_DEFAULT_LEVEL : DEFAULT_USERS;
    const users = parsed.users;
    if (users === INVALID) throw new InvalidPowerLevel(rule, "users");
    const level = users?.get(userId);
    if (level === INVALID) throw new InvalidPowerLevel(rule, `users[${userId}]`);
    return level ?? this.field("users_default", DEFAULT_USERS, rule);
  }

  /** One of the integer fields, with its default when absent. */
  field(field: IntegerField, fallback: number, rule: string): number {
    const level = this.parsed?.fields[field];
    if (level === INVALID) throw new InvalidPowerLevel(rule, field);
    return level ?? fallback;
  }

  /** The *required power level* of an event type: `events[type]`, else `state_default` (state) or `events_default`. */
  requiredLevel(type: string, isState: boolean, rule: string): number {
    const events = this.parsed?.events;
    if (events === INVALID) throw new InvalidPowerLevel(rule, "events");
    const level = events?.get(type);
    if (level === INVALID) throw new InvalidPowerLevel(rule, `events[${type}]`);
    if (level !== undefined) return level;
    return isState ? this.field("state_default", DEFAULT_STATE, rule) : this.field("events_default", DEFAULT_EVENTS, rule);
  }

  invite(rule: string): number {
    return this.field("invite", DEFAULT_INVITE, rule);
  }

  kick(rule: string): number {
    return this.field("kick", DEFAULT_KICK, rule);
  }

  ban(rule: string): number {
    return this.field("ban", DEFAULT_BAN, rule);
  }

  redact(rule: string): number {
    return this.field("redact", DEFAULT_REDACT, rule);
  }
}

/** v1–v9 rule 10.1 / 9.1, v10+ 9.3, v12 10.3: `users` is an object of valid user IDs to levels. */
export function usersMapProblem(content: JsonObject, mode: PowerLevelMode): string | undefined {
  const users = content.users;
  if (users === undefined) return undefined;
  if (!isJsonObject(users)) return "users is not an object";
  for (const key of Object.keys(users)) {
    if (!isValidQualifiedId(key, "@")) return `users has a key that is not a valid user ID: ${JSON.stringify(key)}`;
    const value = users[key];
    if (value === null || value === undefined || parseLevel(value, mode) === INVALID) {
      return `users[${key}] is not ${mode === "integer" ? "an integer" : "an integer or a string that is an integer"}`;
    }
  }
  return undefined;
}

/** v10+ rule 9.1: every integer field present is an integer. */
export function integerFieldsProblem(content: JsonObject): string | undefined {
  for (const field of INTEGER_FIELDS) {
    const value = content[field];
    if (value !== undefined && parseLevel(value, "integer") === INVALID) return `${field} is present and not an integer`;
  }
  return undefined;
}

/** v10+ rule 9.2: `events` and `notifications`, when present, are objects of integers. */
export function integerMapsProblem(content: JsonObject): string | undefined {
  for (const name of ["events", "notifications"] as const) {
    const map = content[name];
    if (map === undefined) continue;
    if (!isJsonObject(map)) return `${name} is present and not an object`;
    for (const key of Object.keys(map)) {
      const value = map[key];
      if (value !== undefined && parseLevel(value, "integer") === INVALID) return `${name}[${key}] is not an integer`;
    }
  }
  return undefined;
}
