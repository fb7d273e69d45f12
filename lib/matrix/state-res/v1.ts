import { createHash } from "node:crypto";

import type { AuthEvent, EventLookup, StateKey, StateMap } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { POWER_LEVELS_KEY } from "@/lib/matrix/auth/state-access";
import { authStateFor, keyOfEvent, type AuthRules } from "@/lib/matrix/state-res/common";

export interface ResolveV1Input {
  readonly roomVersion: RoomVersion;
  readonly stateSets: readonly StateMap[];
  readonly getEvent: EventLookup;
  readonly rules: AuthRules;
}

/**
 * The v1 split: a pair is conflicted when two sets hold different events for it; a pair only
 * some sets hold is not (the spec's "union of the states, excluding any conflicting events").
 */
function separateV1(stateSets: readonly StateMap[]): { unconflicted: Map<StateKey, string>; conflicted: Map<StateKey, Set<string>> } {
  const unconflicted = new Map<StateKey, string>();
  const conflicted = new Map<StateKey, Set<string>>();
  for (const set of stateSets) {
    for (const [key, id] of set) {
      const ids = conflicted.get(key);
      if (ids !== undefined) {
        ids.add(id);
        continue;
      }
      const held = unconflicted.get(key);
      if (held === undefined) unconflicted.set(key, id);
      else if (held !== id) {
        unconflicted.delete(key);
        conflicted.set(key, new Set([held, id]));
      }
    }
  }
  return { unconflicted, conflicted };
}

/**
 * State resolution v1 (room version 1, RV/v1 § State resolution), as Synapse runs it:
 *
 * - R starts as the union of the sets without the conflicted pairs.
 * - Conflicted power levels, then join rules, then memberships: the events of a pair sorted by
 *   depth ascending, then sha1(event_id) descending; the first is taken, and each next one
 *   replaces it while it passes the auth rules against R holding the one before; the first to
 *   fail ends the pair. R gains a phase's results once the phase is done (the pairs of one phase
 *   do not see each other).
 * - Every other pair: the first event by depth descending, then sha1(event_id) ascending, that
 *   passes the auth rules against R; if none does, the last in that order.
 *
 * Conflicted events the lookup lacks are dropped (a pair left with one event is unconflicted,
 * with none it is dropped); auth state comes from R only, as v1 does not read auth chains.
 */
export function resolveV1(input: ResolveV1Input): Map<StateKey, string> {
  const { roomVersion, stateSets, getEvent, rules } = input;
  const separated = separateV1(stateSets);
  const state = separated.unconflicted;
  const conflicted = new Map<StateKey, AuthEvent[]>();
  for (const [key, ids] of separated.conflicted) {
    const events: AuthEvent[] = [];
    for (const id of ids) {
      const event = getEvent(id);
      if (event !== undefined && keyOfEvent(event) === key) events.push(event);
    }
    if (events.length > 1) conflicted.set(key, events);
    else if (events.length === 1) state.set(key, (events[0] as AuthEvent).eventId);
  }
  if (conflicted.size === 0) return state;

  const phases: ((key: StateKey) => boolean)[] = [
    (key) => key === POWER_LEVELS_KEY,
    (key) => key.startsWith("m.room.join_rules\u0000"),
    (key) => key.startsWith("m.room.member\u0000"),
  ];
  for (const inPhase of phases) {
    const results: [StateKey, string][] = [];
    for (const [key, events] of conflicted) {
      if (!inPhase(key)) continue;
      results.push([key, resolveAuthPair(events, state, getEvent, roomVersion, rules)]);
      conflicted.delete(key);
    }
    for (const [key, id] of results) state.set(key, id);
  }
  const results: [StateKey, string][] = [];
  for (const [key, events] of conflicted) results.push([key, resolveOtherPair(events, state, getEvent, roomVersion, rules)]);
  for (const [key, id] of results) state.set(key, id);
  return state;
}

function allowed(event: AuthEvent, state: ReadonlyMap<StateKey, string>, getEvent: EventLookup, roomVersion: RoomVersion, rules: AuthRules): boolean {
  return rules.checkAuth(event, authStateFor(event, state, getEvent, roomVersion, rules, false), roomVersion).allowed;
}

function resolveAuthPair(events: AuthEvent[], r: ReadonlyMap<StateKey, string>, getEvent: EventLookup, roomVersion: RoomVersion, rules: AuthRules): string {
  const ordered = orderByDepth(events).reverse();
  let previous = ordered[0] as AuthEvent;
  const key = keyOfEvent(previous) as StateKey;
  const state = new Map(r);
  for (const event of ordered.slice(1)) {
    state.set(key, previous.eventId);
    if (!allowed(event, state, getEvent, roomVersion, rules)) break;
    previous = event;
  }
  return previous.eventId;
}

function resolveOtherPair(events: AuthEvent[], r: ReadonlyMap<StateKey, string>, getEvent: EventLookup, roomVersion: RoomVersion, rules: AuthRules): string {
  const ordered = orderByDepth(events);
  for (const event of ordered) if (allowed(event, r, getEvent, roomVersion, rules)) return event.eventId;
  return (ordered[ordered.length - 1] as AuthEvent).eventId;
}

/** Depth descending, then sha1(event_id) (hex, of the UTF-8 bytes) ascending. */
function orderByDepth(events: readonly AuthEvent[]): AuthEvent[] {
  const keyed = events.map((event) => ({ event, sha1: createHash("sha1").update(event.eventId, "utf8").digest("hex") }));
  keyed.sort((a, b) => b.event.depth - a.event.depth || (a.sha1 < b.sha1 ? -1 : a.sha1 > b.sha1 ? 1 : 0));
  return keyed.map((k) => k.event);
}
