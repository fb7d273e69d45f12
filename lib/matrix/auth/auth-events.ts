import { ruleNumbers } from "@/lib/matrix/auth/rule-numbers";
import { CREATE_KEY, JOIN_RULES_KEY, memberKey, POWER_LEVELS_KEY } from "@/lib/matrix/auth/state-access";
import { stateKeyOf, type AuthEvent, type AuthState, type StateKey } from "@/lib/matrix/auth/types";
import { isJsonObject } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The auth events selection algorithm (S2S § Auth events selection): the (type, state key) pairs
 * an event's `auth_events` may come from. None for `m.room.create`; else the power levels, the
 * sender's member event and (v1–v11) the create event; for a member event also the target's
 * member event, the join rules for `join`/`invite`/`knock`, the `m.room.third_party_invite` of
 * `content.third_party_invite.signed.token` for an invite, and for a `join` in a version with
 * restricted rooms the member event of `content.join_authorised_via_users_server`.
 *
 * A member event without a state_key, or a third-party invite without a string token, simply
 * selects less: the auth rules refuse such events on their own.
 */
export function authEventTypes(event: AuthEvent, roomVersion: RoomVersion): StateKey[] {
  if (event.type === "m.room.create") return [];
  const keys: StateKey[] = roomVersion.roomIdFromCreateEvent
    ? [POWER_LEVELS_KEY, memberKey(event.sender)]
    : [CREATE_KEY, POWER_LEVELS_KEY, memberKey(event.sender)];
  if (event.type !== "m.room.member") return keys;
  const add = (key: StateKey): void => {
    if (!keys.includes(key)) keys.push(key);
  };
  if (event.stateKey !== undefined) add(memberKey(event.stateKey));
  const content = event.content;
  const membership = content.membership;
  if (membership === "join" || membership === "invite" || membership === "knock") add(JOIN_RULES_KEY);
  if (membership === "invite" && content.third_party_invite !== undefined) {
    const invite = content.third_party_invite;
    const signed = isJsonObject(invite) ? invite.signed : undefined;
    const token = isJsonObject(signed) ? signed.token : undefined;
    if (typeof token === "string") add(stateKeyOf("m.room.third_party_invite", token));
  }
  if (membership === "join" && roomVersion.restrictedJoins && typeof content.join_authorised_via_users_server === "string") {
    add(memberKey(content.join_authorised_via_users_server));
  }
  return keys;
}

export type AuthStateResult = { readonly ok: true; readonly state: AuthState } | { readonly ok: false; readonly rule: string; readonly reason: string };

/**
 * Checks an event's `auth_events` list itself and builds the auth state checkAuthRules runs
 * against (S2S § Checks performed on receipt of a PDU, step 4). In rule order:
 *
 * - 2.1 (v12: 3.1): no two auth events with the same (type, state key);
 * - 2.2 (3.2): every auth event is of a pair authEventTypes allows for this event (Synapse's
 *   "unexpected auth event"); a non-state auth event never is; in v12 that includes the create
 *   event, which v12 events must not list;
 * - 2.4 (v1–v11): the create event is among them;
 * - 2.5 (3.4): every auth event is in the event's room;
 * - v12 rule 2: `create`, passed separately, is the create event of the event's room ID; it is
 *   put in the state under `m.room.create` so checkAuthRules finds it.
 *
 * `authEvents` are the events `event.auth_events` names, as the caller found them. Rule 2.3 (3.3),
 * "auth events that were themselves rejected", is the caller's: it must refuse the event (rule
 * `rules.authRejected`) when one of them was rejected. A create event needs no auth events (rule 1
 * decides it before rule 2), so its list is not looked at.
 */
export function authStateFromAuthEvents(event: AuthEvent, authEvents: readonly AuthEvent[], roomVersion: RoomVersion, create?: AuthEvent): AuthStateResult {
  const rules = ruleNumbers(roomVersion);
  const state = new Map<StateKey, AuthEvent>();
  if (event.type === "m.room.create") return { ok: true, state };

  // v12 rule 2 comes before the rules about the auth events list.
  if (roomVersion.roomIdFromCreateEvent) {
    const rule = rules.roomIsCreate ?? "2";
    if (!create) return refused(rule, "the create event of the room was not given");
    if (create.type !== "m.room.create" || create.stateKey !== "") return refused(rule, `${create.eventId} is not a create event`);
    if (event.roomId !== "!" + create.eventId.slice(1)) return refused(rule, `the room ID ${event.roomId} is not the ID of the create event ${create.eventId}`);
  }

  const keys: StateKey[] = [];
  for (const authEvent of authEvents) {
    const key = authEvent.stateKey === undefined ? undefined : stateKeyOf(authEvent.type, authEvent.stateKey);
    if (key !== undefined) {
      if (state.has(key)) {
        return refused(
          rules.authDuplicate,
          `auth events ${state.get(key)?.eventId} and ${authEvent.eventId} are both (${authEvent.type}, ${authEvent.stateKey})`,
        );
      }
      state.set(key, authEvent);
    }
    keys.push(key ?? "");
  }

  const allowed = authEventTypes(event, roomVersion);
  for (let i = 0; i < authEvents.length; i++) {
    const key = keys[i] ?? "";
    const authEvent = authEvents[i] as AuthEvent;
    if (authEvent.stateKey === undefined || !allowed.includes(key)) {
      const what = authEvent.stateKey === undefined ? `${authEvent.type} (not a state event)` : `(${authEvent.type}, ${JSON.stringify(authEvent.stateKey)})`;
      return refused(rules.authUnexpected, `auth event ${authEvent.eventId} is ${what}, which the auth events selection does not pick for this event`);
    }
  }

  if (!roomVersion.roomIdFromCreateEvent && !state.has(CREATE_KEY)) {
    return refused(rules.authNoCreate ?? rules.authUnexpected, "there is no m.room.create event among the auth events");
  }

  for (const authEvent of authEvents) {
    if (authEvent.roomId !== event.roomId) {
      return refused(rules.authRoom, `auth event ${authEvent.eventId} is in room ${authEvent.roomId}, not ${event.roomId}`);
    }
  }

  if (roomVersion.roomIdFromCreateEvent && create) state.set(CREATE_KEY, create);
  return { ok: true, state };
}

function refused(rule: string, reason: string): AuthStateResult {
  return { ok: false, rule, reason };
}
