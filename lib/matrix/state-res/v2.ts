import { POWER_LEVELS_KEY } from "@/lib/matrix/auth/state-access";
import type { AuthEvent, EventLookup, StateKey, StateMap } from "@/lib/matrix/auth/types";
import { compareCodePoints } from "@/lib/matrix/canonical-json";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { authDifference, separateV2 } from "@/lib/matrix/state-res/auth-chain";
import { authEdges, authStateFor, findAuthEvent, isPowerEvent, keyOfEvent, senderPowerLevel, type AuthRules } from "@/lib/matrix/state-res/common";
import { MinHeap } from "@/lib/matrix/state-res/heap";
import { conflictedStateSubgraph, iterativeAuthStartState } from "@/lib/matrix/state-res/v21";

export interface ResolveV2Input {
  readonly roomVersion: RoomVersion;
  readonly stateSets: readonly StateMap[];
  readonly getEvent: EventLookup;
  readonly rules: AuthRules;
}

/**
 * State resolution v2 (room versions 2–11) and v2.1 (room version 12, `roomVersion.stateResolution`),
 * steps as in the spec (RV/v2 and RV/v12 § State resolution):
 *
 * 0. split into the unconflicted state map and the conflicted state set; the full conflicted set
 *    is the conflicted state set ∪ the auth difference (v2.1: ∪ the conflicted state subgraph);
 * 1. the power events of the full conflicted set plus the events of their auth chains that are in
 *    it, in reverse topological power ordering;
 * 2. iterative auth checks over them, starting from the unconflicted state map (v2.1: from an
 *    empty map, so an event's own auth events stand in for every pair the state lacks);
 * 3. the rest of the full conflicted set in mainline ordering based on the resolved power levels;
 * 4. iterative auth checks over them, starting from step 2's state;
 * 5. the unconflicted state map applied on top.
 *
 * Events of the full conflicted set that the lookup lacks (or that are not state events) are
 * left out of it; auth events it lacks are skipped wherever they are read.
 */
export function resolveV2(input: ResolveV2Input): Map<StateKey, string> {
  const { roomVersion, stateSets, getEvent, rules } = input;
  const separated = separateV2(stateSets);
  const { unconflicted, conflicted } = separated;
  if (conflicted.size === 0) return unconflicted;

  const conflictedIds = new Set<string>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedIds.add(id);
  const candidates = new Set(conflictedIds);
  // The state sets' own events count as part of their auth chains, as Synapse computes the
  // difference: an unconflicted event is in every set, so never in the difference, even when
  // only some sets' other events cite it (without this a member event one fork's power levels
  // cite would be ordered as a power event's prerequisite and delay it; found by the
  // differential test against Synapse, seed 1919781643).
  const unconflictedIds = new Set(unconflicted.values());
  for (const id of authDifference(stateSets, separated, getEvent, roomVersion)) if (!unconflictedIds.has(id)) candidates.add(id);
  if (roomVersion.stateResolution === "v2.1") {
    for (const id of conflictedStateSubgraph(conflictedIds, getEvent, roomVersion)) candidates.add(id);
  }
  const fullConflicted = new Set<string>();
  for (const id of candidates) {
    const event = getEvent(id);
    if (event !== undefined && event.stateKey !== undefined) fullConflicted.add(id);
  }

  const powerIds: string[] = [];
  for (const id of fullConflicted) if (isPowerEvent(getEvent(id) as AuthEvent)) powerIds.push(id);
  const sortedPower = reverseTopologicalPowerOrder(powerIds, fullConflicted, getEvent, roomVersion);

  const state = iterativeAuthStartState(unconflicted, roomVersion);
  iterativeAuthChecks(sortedPower, state, getEvent, roomVersion, rules);

  const picked = new Set(sortedPower);
  const rest: string[] = [];
  for (const id of fullConflicted) if (!picked.has(id)) rest.push(id);
  const sortedRest = mainlineOrder(rest, state.get(POWER_LEVELS_KEY), getEvent);

  iterativeAuthChecks(sortedRest, state, getEvent, roomVersion, rules);
  for (const [key, id] of unconflicted) state.set(key, id);
  return state;
}

/**
 * Step 1: the power events plus the events of their auth chains that are in the full conflicted
 * set, sorted by Kahn's algorithm taking, among the events whose auth events are all placed, the
 * smallest by (sender's power level descending, origin_server_ts, event_id). Like Synapse and
 * Ruma, an auth chain is followed only through events of the full conflicted set, and the graph's
 * edges are the direct auth event links between its events.
 */
function reverseTopologicalPowerOrder(
  eventIds: Iterable<string>,
  fullConflicted: ReadonlySet<string>,
  getEvent: EventLookup,
  roomVersion: RoomVersion,
): string[] {
  const edges = new Map<string, Set<string>>();
  const stack = [...eventIds];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (edges.has(id)) continue;
    const out = new Set<string>();
    edges.set(id, out);
    const event = getEvent(id);
    if (event === undefined) continue;
    for (const next of authEdges(event, roomVersion)) {
      if (!fullConflicted.has(next)) continue;
      out.add(next);
      if (!edges.has(next)) stack.push(next);
    }
  }
  return lexicographicalTopologicalSort(edges, (id) => {
    const event = getEvent(id) as AuthEvent;
    return { power: senderPowerLevel(event, getEvent, roomVersion), ts: event.originServerTs, id };
  });
}

interface PowerOrderKey {
  readonly power: number;
  readonly ts: number;
  readonly id: string;
}

function comparePowerOrder(a: PowerOrderKey, b: PowerOrderKey): number {
  if (a.power !== b.power) return a.power > b.power ? -1 : 1;
  if (a.ts !== b.ts) return a.ts - b.ts;
  return compareCodePoints(a.id, b.id);
}

/**
 * Kahn's algorithm from the events with no auth events in the graph (the oldest) forwards, taking
 * the smallest candidate by `keyOf` each time. `edges` maps each event to its auth events in the
 * graph; every auth event must itself be a key.
 */
export function lexicographicalTopologicalSort(edges: ReadonlyMap<string, ReadonlySet<string>>, keyOf: (id: string) => PowerOrderKey): string[] {
  const keys = new Map<string, PowerOrderKey>();
  for (const id of edges.keys()) keys.set(id, keyOf(id));
  const remaining = new Map<string, number>();
  const citedBy = new Map<string, string[]>();
  const heap = new MinHeap<PowerOrderKey>(comparePowerOrder);
  for (const [id, out] of edges) {
    remaining.set(id, out.size);
    if (out.size === 0) heap.push(keys.get(id) as PowerOrderKey);
    for (const next of out) {
      const citers = citedBy.get(next);
      if (citers === undefined) citedBy.set(next, [id]);
      else citers.push(id);
    }
  }
  const sorted: string[] = [];
  for (let key = heap.pop(); key !== undefined; key = heap.pop()) {
    sorted.push(key.id);
    for (const citer of citedBy.get(key.id) ?? []) {
      const left = (remaining.get(citer) as number) - 1;
      remaining.set(citer, left);
      if (left === 0) heap.push(keys.get(citer) as PowerOrderKey);
    }
  }
  return sorted;
}

/**
 * The iterative auth checks, on `state` in place: each event in turn is checked against the
 * state so far (for each pair the rules need that the state lacks, the event's own auth event
 * stands in) and, if allowed, becomes the state's event for its pair; otherwise it is ignored.
 */
function iterativeAuthChecks(
  eventIds: readonly string[],
  state: Map<StateKey, string>,
  getEvent: EventLookup,
  roomVersion: RoomVersion,
  rules: AuthRules,
): Map<StateKey, string> {
  for (const id of eventIds) {
    const event = getEvent(id);
    const key = event === undefined ? undefined : keyOfEvent(event);
    if (event === undefined || key === undefined) continue;
    const authState = authStateFor(event, state, getEvent, roomVersion, rules, true);
    if (rules.checkAuth(event, authState, roomVersion).allowed) state.set(key, id);
  }
  return state;
}

/**
 * Mainline ordering based on `powerLevelsId` (undefined: no power levels in the partial state,
 * an empty mainline, so every event has position ∞): by mainline position descending (events
 * based on an older power levels event first), then origin_server_ts, then event_id. The
 * position of an event is that of the first power levels event on its chain of power levels
 * auth events (the event itself excluded) that is on the mainline. Positions of the power levels
 * events walked are memoized, so the many events of a busy room share the walk.
 */
function mainlineOrder(eventIds: readonly string[], powerLevelsId: string | undefined, getEvent: EventLookup): string[] {
  if (eventIds.length === 0) return [];
  const position = new Map<string, number>();
  let depth = 0;
  for (let id = powerLevelsId; id !== undefined && !position.has(id); depth++) {
    position.set(id, depth);
    const event = getEvent(id);
    id = event === undefined ? undefined : findAuthEvent(event, "m.room.power_levels", getEvent)?.eventId;
  }

  const positionOf = (event: AuthEvent): number => {
    const path = new Set<string>();
    let found = Number.POSITIVE_INFINITY;
    for (let next = findAuthEvent(event, "m.room.power_levels", getEvent); next !== undefined && !path.has(next.eventId);) {
      const known = position.get(next.eventId);
      if (known !== undefined) {
        found = known;
        break;
      }
      path.add(next.eventId);
      next = findAuthEvent(next, "m.room.power_levels", getEvent);
    }
    for (const id of path) position.set(id, found);
    return found;
  };

  const keyed = eventIds.map((id) => {
    const event = getEvent(id) as AuthEvent;
    return { id, position: positionOf(event), ts: event.originServerTs };
  });
  keyed.sort((a, b) => {
    if (a.position !== b.position) return a.position > b.position ? -1 : 1;
    if (a.ts !== b.ts) return a.ts - b.ts;
    return compareCodePoints(a.id, b.id);
  });
  return keyed.map((k) => k.id);
}
