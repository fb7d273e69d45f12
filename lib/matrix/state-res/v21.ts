import type { EventLookup, StateKey } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { authEdges } from "@/lib/matrix/state-res/common";

/*
 * What state resolution v2.1 (room version 12, MSC4297) changes in v2 (RV/v12 § State resolution):
 *
 * 1. The full conflicted set also holds the conflicted state subgraph, so an event between two
 *    conflicted events (for example a power levels event that a conflicted membership cites
 *    through its chain) is replayed too.
 * 2. The first iterative auth checks start from an empty state map instead of the unconflicted
 *    state map: every power event is checked against its own auth events plus what the earlier
 *    power events established, never against unconflicted state that may be bogus.
 * 3. Unchanged: the mainline ordering reads the power levels of the partially resolved state
 *    (when the power levels were not conflicted that state has none, and the mainline is empty,
 *    as in Synapse and Ruma), and the unconflicted state map is applied on top at the end.
 */

/** Where the first iterative auth checks start: v2 the unconflicted state map, v2.1 an empty one. */
export function iterativeAuthStartState(unconflicted: ReadonlyMap<StateKey, string>, roomVersion: RoomVersion): Map<StateKey, string> {
  return roomVersion.stateResolution === "v2.1" ? new Map() : new Map(unconflicted);
}

/**
 * v2.1's conflicted state subgraph: every event on an auth path from one conflicted event to
 * another, endpoints included (the conflicted events themselves are always in it). An event is
 * on such a path when it is in the auth chain of a conflicted event and a conflicted event is in
 * its own auth chain or is itself: walk the chains of the conflicted events, remembering who
 * cites whom, then climb from the conflicted events found in those chains back up the citations.
 *
 * The walk does not go below the least deep conflicted event: an event less deep cannot reach
 * one, as auth events are less deep than their citers. The first walked edge that breaks that
 * (a dishonest depth) restarts the walk over the whole chains.
 */
export function conflictedStateSubgraph(conflictedIds: ReadonlySet<string>, getEvent: EventLookup, roomVersion?: RoomVersion): Set<string> {
  return subgraphWalk(conflictedIds, getEvent, roomVersion, true) ?? (subgraphWalk(conflictedIds, getEvent, roomVersion, false) as Set<string>);
}

function subgraphWalk(
  conflictedIds: ReadonlySet<string>,
  getEvent: EventLookup,
  roomVersion: RoomVersion | undefined,
  prune: boolean,
): Set<string> | undefined {
  let floor = Number.NEGATIVE_INFINITY;
  if (prune) {
    floor = Number.POSITIVE_INFINITY;
    for (const id of conflictedIds) floor = Math.min(floor, getEvent(id)?.depth ?? Number.POSITIVE_INFINITY);
  }
  const citedBy = new Map<string, string[]>();
  const chain = new Set<string>();
  const stack: [id: string, citer: string][] = [];
  const expand = (id: string): boolean => {
    const event = getEvent(id);
    if (event === undefined) return true;
    for (const next of authEdges(event, roomVersion)) {
      const cited = getEvent(next);
      if (prune && cited !== undefined && !(cited.depth < event.depth)) return false;
      if (cited !== undefined && cited.depth < floor) continue;
      stack.push([next, id]);
    }
    return true;
  };
  for (const id of conflictedIds) if (!expand(id)) return undefined;
  while (stack.length > 0) {
    const [id, citer] = stack.pop() as [string, string];
    const citers = citedBy.get(id);
    if (citers === undefined) citedBy.set(id, [citer]);
    else citers.push(citer);
    if (chain.has(id)) continue;
    chain.add(id);
    if (!expand(id)) return undefined;
  }

  const subgraph = new Set<string>(conflictedIds);
  const climb: string[] = [];
  for (const id of conflictedIds) if (chain.has(id)) climb.push(id);
  const climbed = new Set<string>();
  while (climb.length > 0) {
    const id = climb.pop() as string;
    if (climbed.has(id)) continue;
    climbed.add(id);
    subgraph.add(id);
    for (const citer of citedBy.get(id) ?? []) if (!climbed.has(citer)) climb.push(citer);
  }
  return subgraph;
}
