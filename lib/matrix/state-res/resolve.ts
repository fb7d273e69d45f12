/**
 * Matrix state resolution: v1 (room version 1), v2 (2–11) and v2.1 (12). Pure and synchronous;
 * lib/ingest loads the events (missingForResolution, in rounds) and calls resolveState.
 *
 * Where the spec leaves room, this follows Synapse and Ruma, so the archive's state converges
 * with the servers it federates with (most choices are pinned by a vector or a test):
 *
 * - v2 conflicts: a pair some set lacks is conflicted. v1: only two different events for a pair
 *   conflict; a pair one set holds alone is taken as it is (the v1 "join rule evasion" vector).
 * - Power events: power levels and join rules with the state key "", the create event too.
 * - Step 1 enlarges the power events by their auth chains followed through events of the full
 *   conflicted set only, with the direct auth edges between them as the graph.
 * - Sender power for the ordering: the power levels among the event's auth events, parsed as the
 *   room version's auth rules parse them (an invalid value falls back to `users_default`, then
 *   0); without power levels the creator has 100; v12 creators are infinitely powerful.
 * - Ties compare event IDs by code point (as Python and Rust compare strings), not UTF-16 unit.
 * - Mainline: no power levels in the partial state (v2.1, power levels unconflicted) means an
 *   empty mainline, every event at position ∞, so origin_server_ts and event ID decide.
 * - v12 events name their create event only through the room ID: it is an auth edge in every
 *   walk and is in the auth state of every check.
 * - v1 as Synapse runs it: R gains a phase's results when the phase ends; a pair of the last
 *   phase where no event passes gets the least deep one; sha1 over the UTF-8 event ID, in hex.
 * - Missing events: an auth event the lookup lacks is skipped; a conflicted state event or an
 *   event of the auth difference or subgraph it lacks is left out. Nothing throws.
 * - The auth difference and the conflicted subgraph trust that auth events are less deep than
 *   their citers (honest servers build them so), to stop where the forks meet instead of
 *   walking the room's whole auth chain; a walked edge that breaks it switches to full walks.
 */
import { authEventTypes as defaultAuthEventTypes } from "@/lib/matrix/auth/auth-events";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import type { EventLookup, StateMap } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { authChain, separateV2 } from "@/lib/matrix/state-res/auth-chain";
import { allIdentical, type AuthEventTypes, type AuthRules, type CheckAuth } from "@/lib/matrix/state-res/common";
import { resolveV1 } from "@/lib/matrix/state-res/v1";
import { resolveV2 } from "@/lib/matrix/state-res/v2";

export { authChain, authDifference, separateV2 } from "@/lib/matrix/state-res/auth-chain";
export { type AuthEventTypes, type CheckAuth } from "@/lib/matrix/state-res/common";
export { conflictedStateSubgraph } from "@/lib/matrix/state-res/v21";

export interface ResolveStateInput {
  readonly roomVersion: RoomVersion;
  /** The states to resolve, typically the states after each of an event's `prev_events`. */
  readonly stateSets: readonly StateMap[];
  /**
   * The events the resolution reads (tryResolveState or missingForResolution say which are
   * missing): with a conflict, the events of the sets and their auth chains down to where the
   * forks meet. An auth event the lookup lacks is skipped wherever it is read; a conflicted state
   * event it lacks is left out of the resolution (v2: out of the full conflicted set; v1: out of
   * its pair).
   */
  readonly getEvent: EventLookup;
  /** The authorization rules (default: checkAuthRules of lib/matrix/auth/auth-rules.ts). */
  readonly checkAuth?: CheckAuth;
  /** The auth events selection: the pairs `checkAuth` reads for an event (default: lib/matrix/auth's authEventTypes). */
  readonly authEventTypes?: AuthEventTypes;
}

/**
 * The resolution of a set of room states, by the algorithm of the room version
 * (`roomVersion.stateResolution`: v1, v2 or v2.1). Synchronous and pure: the caller loads every
 * event first. One state set, or sets that are all the same map, come back as they are with no
 * event read; sets that agree on every pair cost one pass over their keys. Rejected events are
 * the caller's business: they never belong in a state set, and every event the lookup returns is
 * taken as not rejected.
 */
export function resolveState(input: ResolveStateInput): StateMap {
  const { stateSets } = input;
  const [first] = stateSets;
  if (first === undefined) return new Map();
  if (allIdentical(stateSets)) return first;
  const rules: AuthRules = { checkAuth: input.checkAuth ?? checkAuthRules, authEventTypes: input.authEventTypes ?? defaultAuthEventTypes };
  const args = { roomVersion: input.roomVersion, stateSets, getEvent: input.getEvent, rules };
  return input.roomVersion.stateResolution === "v1" ? resolveV1(args) : resolveV2(args);
}

/** What one attempt at resolving gives: the state, exact when nothing was missing. */
export interface ResolveAttempt {
  /** The resolution with the events the lookup had (missing ones treated as resolveState does). */
  readonly state: StateMap;
  /** IDs the resolution read and the lookup lacked: load them and try again, or accept `state`. */
  readonly missing: readonly string[];
}

/**
 * resolveState, noting every event ID it read that the lookup lacked. The resolution depends on
 * nothing but what it reads, so when nothing was missing the state is exactly what a lookup
 * holding every event of the room would give. Otherwise the caller loads what is missing (a
 * loaded event can lead to more: its own auth events) and tries again, or takes `state` when the
 * missing events cannot be had.
 */
export function tryResolveState(input: ResolveStateInput): ResolveAttempt {
  const missing = new Set<string>();
  const getEvent: EventLookup = (id) => {
    const event = input.getEvent(id);
    if (event === undefined) missing.add(id);
    return event;
  };
  const state = resolveState({ ...input, getEvent });
  return { state, missing: [...missing] };
}

/**
 * The event IDs resolveState would read that `getEvent` lacks, so the caller can load them (in
 * rounds: a loaded event names auth events of its own) until this returns nothing: a dry run of
 * tryResolveState (prefer that, which also gives the state). Nothing when the sets agree.
 *
 * Without a room version (the algorithm unknown): every event of the sets and of their auth
 * chains, a superset of what any of the algorithms reads.
 */
export function missingForResolution(
  stateSets: readonly StateMap[],
  getEvent: EventLookup,
  roomVersion?: RoomVersion,
  authEventTypes?: AuthEventTypes,
  checkAuth?: CheckAuth,
): string[] {
  if (allIdentical(stateSets)) return [];
  if (roomVersion !== undefined) return [...tryResolveState({ roomVersion, stateSets, getEvent, authEventTypes, checkAuth }).missing];
  if (separateV2(stateSets).conflicted.size === 0) return [];
  const missing = new Set<string>();
  const ids = new Set<string>();
  for (const set of stateSets) for (const id of set.values()) ids.add(id);
  for (const id of [...ids, ...authChain(ids, getEvent)]) if (getEvent(id) === undefined) missing.add(id);
  return [...missing];
}
