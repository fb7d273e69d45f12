import { parseLevel, powerLevelMode, roomCreator, roomCreators } from "@/lib/matrix/auth/power-levels";
import { CREATE_KEY } from "@/lib/matrix/auth/state-access";
import type { AuthEvent, AuthResult, AuthState, EventLookup, StateKey, StateMap } from "@/lib/matrix/auth/types";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { createEventIdFromRoomId } from "@/lib/matrix/event-id";
import { isJsonObject, type JsonValue } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The authorization rules as state resolution uses them (checkAuthRules and authEventTypes of
 * lib/matrix/auth, the defaults; tests may pass others):
 * `checkAuth` runs the state-dependent rules of the room version against `state`, which holds the
 * events of the (type, state key) pairs that `authEventTypes` names for the event (and, for room
 * version 12, the create event under the `m.room.create` key).
 */
export type CheckAuth = (event: AuthEvent, state: AuthState, roomVersion: RoomVersion) => AuthResult;
export type AuthEventTypes = (event: AuthEvent, roomVersion: RoomVersion) => StateKey[];

export interface AuthRules {
  readonly checkAuth: CheckAuth;
  readonly authEventTypes: AuthEventTypes;
}

/** The state key of a state event; undefined for a message event. */
export function keyOfEvent(event: AuthEvent): StateKey | undefined {
  return event.stateKey === undefined ? undefined : stateKeyOf(event.type, event.stateKey);
}

/**
 * The create event a v12 event implies through its room ID (`!hash` → `$hash`); undefined for
 * other room versions, for the create event itself and for an event without a room ID.
 */
function impliedCreateEventId(event: AuthEvent, roomVersion: RoomVersion): string | undefined {
  if (!roomVersion.roomIdFromCreateEvent || event.roomId === undefined) return undefined;
  if (event.type === "m.room.create" && event.stateKey === "") return undefined;
  return createEventIdFromRoomId(event.roomId);
}

/**
 * The edges of the auth graph out of an event: its `auth_events`, plus in room version 12 the
 * create event named by its room ID (v12 events must not list it, but it authorizes them all, as
 * Synapse and Ruma treat it).
 */
export function authEdges(event: AuthEvent, roomVersion: RoomVersion | undefined): readonly string[] {
  const implied = roomVersion === undefined ? undefined : impliedCreateEventId(event, roomVersion);
  if (implied === undefined || event.authEvents.includes(implied)) return event.authEvents;
  return [...event.authEvents, implied];
}

/** The state event of `type` with state key "" among an event's auth events, if it can be found. */
export function findAuthEvent(event: AuthEvent, type: string, getEvent: EventLookup): AuthEvent | undefined {
  for (const id of event.authEvents) {
    const found = getEvent(id);
    if (found !== undefined && found.type === type && found.stateKey === "") return found;
  }
  return undefined;
}

/** A power level value as the room version's auth rules parse it; undefined when absent or invalid (the caller falls back). */
function levelValue(value: JsonValue | undefined, roomVersion: RoomVersion): number | undefined {
  if (value === undefined || value === null) return undefined;
  return parseLevel(value, powerLevelMode(roomVersion)) ?? undefined;
}

/** The room creators per a create event: v12 the sender plus `additional_creators`; v11 the sender; v1–v10 `content.creator`. */
function creatorsOf(create: AuthEvent, roomVersion: RoomVersion): ReadonlySet<string> {
  if (roomVersion.roomIdFromCreateEvent) return roomCreators(create);
  const creator = roomCreator(create, roomVersion);
  return new Set(creator === undefined ? [] : [creator]);
}

/**
 * The sender's power level "when looking at their auth events" (reverse topological power
 * ordering). Room version 12: creators are infinitely powerful. Otherwise `users[sender]`, else
 * `users_default`, else 0 from the power levels event among the auth events; without one, the
 * creator has 100 and everyone else 0. Auth events missing from the lookup are skipped.
 */
export function senderPowerLevel(event: AuthEvent, getEvent: EventLookup, roomVersion: RoomVersion): number {
  let powerLevels: AuthEvent | undefined;
  let create: AuthEvent | undefined;
  for (const id of authEdges(event, roomVersion)) {
    const found = getEvent(id);
    if (found === undefined || found.stateKey !== "") continue;
    if (found.type === "m.room.power_levels") powerLevels = found;
    else if (found.type === "m.room.create") create = found;
  }
  if (roomVersion.roomIdFromCreateEvent && create !== undefined && creatorsOf(create, roomVersion).has(event.sender)) {
    return Number.POSITIVE_INFINITY;
  }
  if (powerLevels === undefined) {
    return create !== undefined && creatorsOf(create, roomVersion).has(event.sender) ? 100 : 0;
  }
  const users = powerLevels.content.users;
  const own = isJsonObject(users) && Object.hasOwn(users, event.sender) ? levelValue(users[event.sender], roomVersion) : undefined;
  return own ?? levelValue(powerLevels.content.users_default, roomVersion) ?? 0;
}

/**
 * A power event (v2 definitions): power levels, join rules, or a membership `leave`/`ban` whose
 * sender is not its target. Like Synapse and Ruma, the create event counts as one too, and power
 * levels and join rules count only with the state key "" (the only one the auth rules read).
 */
export function isPowerEvent(event: AuthEvent): boolean {
  if (event.stateKey === undefined) return false;
  if (event.type === "m.room.power_levels" || event.type === "m.room.join_rules" || event.type === "m.room.create") {
    return event.stateKey === "";
  }
  if (event.type !== "m.room.member") return false;
  const membership = event.content.membership;
  return (membership === "leave" || membership === "ban") && event.sender !== event.stateKey;
}

/** Whether every state set is the same map (the common case: nothing to resolve). */
export function allIdentical(stateSets: readonly StateMap[]): boolean {
  const [first, ...rest] = stateSets;
  if (first === undefined) return true;
  for (const other of rest) {
    if (other === first) continue;
    if (other.size !== first.size) return false;
    for (const [key, id] of other) if (first.get(key) !== id) return false;
  }
  return true;
}

/**
 * Builds the auth state for checking `event` against `state`: the event's own auth events
 * (those found), the v12 create event, then for each pair the auth rules need, the event that
 * `state` holds for it (the iterative auth checks of v2; also how v1 checks against R).
 */
export function authStateFor(
  event: AuthEvent,
  state: ReadonlyMap<StateKey, string>,
  getEvent: EventLookup,
  roomVersion: RoomVersion,
  rules: AuthRules,
  useOwnAuthEvents: boolean,
): Map<StateKey, AuthEvent> {
  const authState = new Map<StateKey, AuthEvent>();
  if (useOwnAuthEvents) {
    for (const id of event.authEvents) {
      const found = getEvent(id);
      const key = found === undefined ? undefined : keyOfEvent(found);
      if (found !== undefined && key !== undefined) authState.set(key, found);
    }
  }
  const createId = impliedCreateEventId(event, roomVersion);
  if (createId !== undefined) {
    const create = getEvent(createId);
    if (create !== undefined) authState.set(CREATE_KEY, create);
  }
  for (const key of rules.authEventTypes(event, roomVersion)) {
    const id = state.get(key);
    const found = id === undefined ? undefined : getEvent(id);
    if (found !== undefined) authState.set(key, found);
  }
  return authState;
}
