import type { EventLookup, StateKey, StateMap } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { authEdges } from "@/lib/matrix/state-res/common";
import { MinHeap } from "@/lib/matrix/state-res/heap";

/**
 * The auth chain of a set of events: every event reachable from them through `auth_events`
 * (room version 12: plus the create event their room ID names), not the events themselves unless
 * one is reachable from another. IDs the lookup lacks are in the result (an event cites them) but
 * are not walked further; `missingForResolution` finds them so the caller can load them first.
 * Iterative: auth chains can be tens of thousands of events deep.
 */
export function authChain(eventIds: Iterable<string>, getEvent: EventLookup, roomVersion?: RoomVersion): Set<string> {
  const chain = new Set<string>();
  const stack: string[] = [];
  for (const id of eventIds) {
    const event = getEvent(id);
    if (event !== undefined) stack.push(...authEdges(event, roomVersion));
  }
  walk(stack, chain, getEvent, roomVersion);
  return chain;
}

/** Adds everything reachable from `stack` (the IDs on it included) to `seen`. */
function walk(stack: string[], seen: Set<string>, getEvent: EventLookup, roomVersion: RoomVersion | undefined): void {
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const event = getEvent(id);
    if (event === undefined) continue;
    for (const next of authEdges(event, roomVersion)) if (!seen.has(next)) stack.push(next);
  }
}

/** A state map's split into the pairs every set agrees on and, per conflicted pair, the events the sets hold. */
export interface SeparatedState {
  readonly unconflicted: Map<StateKey, string>;
  readonly conflicted: Map<StateKey, Set<string>>;
}

/**
 * v2 split: a pair is unconflicted when every set holds it with the same event; otherwise (a set
 * lacks it, or two sets differ) the events held for it are conflicted.
 */
export function separateV2(stateSets: readonly StateMap[]): SeparatedState {
  const unconflicted = new Map<StateKey, string>();
  const conflicted = new Map<StateKey, Set<string>>();
  const [first, ...rest] = stateSets;
  if (first === undefined) return { unconflicted, conflicted };
  const keys = new Set<StateKey>(first.keys());
  for (const set of rest) for (const key of set.keys()) keys.add(key);
  for (const key of keys) {
    const id = first.get(key);
    let agreed = id !== undefined;
    for (const set of rest) {
      if (set.get(key) !== id) {
        agreed = false;
        break;
      }
    }
    if (agreed) {
      unconflicted.set(key, id as string);
      continue;
    }
    const ids = new Set<string>();
    for (const set of stateSets) {
      const held = set.get(key);
      if (held !== undefined) ids.add(held);
    }
    conflicted.set(key, ids);
  }
  return { unconflicted, conflicted };
}

/**
 * The auth difference ∪Cᵢ − ∩Cᵢ, where Cᵢ is the full auth chain of state set i.
 *
 * Cᵢ = chain(U) ∪ chain(conflicted events of set i), with U the unconflicted events, and chain(U)
 * is in every Cᵢ. So the walk starts from the auth events of the conflicted events, each marked
 * with the sets holding them, and of U, marked with every set. Marks flow down the auth edges in
 * order of decreasing depth, so a node's marks are final when it is taken; the walk ends as soon
 * as every node still queued carries every mark (all of their chains are in every Cᵢ). Two forks
 * of a large room cost the events since they parted, not the room's whole auth chain.
 *
 * That order needs every auth event to be less deep than its citer, as honest servers make them.
 * The first edge that breaks it (or more than 30 sets) switches to authDifferenceBySets, which
 * walks each set's chain in full.
 */
export function authDifference(stateSets: readonly StateMap[], separated: SeparatedState, getEvent: EventLookup, roomVersion?: RoomVersion): Set<string> {
  const k = stateSets.length;
  if (k > 30) return authDifferenceBySets(stateSets, separated, getEvent, roomVersion);
  const full = 2 ** k - 1;
  const mask = new Map<string, number>();
  /** Nodes queued whose mask lacks a set: the walk goes on while there are any. */
  const partial = new Set<string>();
  const heap = new MinHeap<{ id: string; depth: number }>((a, b) => b.depth - a.depth);
  const depthOf = (id: string): number => getEvent(id)?.depth ?? Number.NEGATIVE_INFINITY;
  const mark = (id: string, bits: number): void => {
    const before = mask.get(id) ?? 0;
    const after = before | bits;
    if (after === before) return;
    mask.set(id, after);
    if (after === full) partial.delete(id);
    else partial.add(id);
    heap.push({ id, depth: depthOf(id) });
  };

  stateSets.forEach((set, i) => {
    for (const key of separated.conflicted.keys()) {
      const id = set.get(key);
      const event = id === undefined ? undefined : getEvent(id);
      if (event !== undefined) for (const next of authEdges(event, roomVersion)) mark(next, 2 ** i);
    }
  });
  // Marks only flow down, so with no event short of a mark there is no difference, and the
  // unconflicted events need not be read at all.
  if (partial.size === 0) return new Set();
  for (const id of separated.unconflicted.values()) {
    const event = getEvent(id);
    if (event !== undefined) for (const next of authEdges(event, roomVersion)) mark(next, full);
  }

  const done = new Map<string, number>();
  while (partial.size > 0) {
    const item = heap.pop();
    if (item === undefined) break;
    const bits = mask.get(item.id) as number;
    if (done.get(item.id) === bits) continue;
    done.set(item.id, bits);
    partial.delete(item.id);
    const event = getEvent(item.id);
    if (event === undefined) continue;
    for (const next of authEdges(event, roomVersion)) {
      const cited = getEvent(next);
      if (cited !== undefined && !(cited.depth < event.depth)) return authDifferenceBySets(stateSets, separated, getEvent, roomVersion);
      mark(next, bits);
    }
  }
  const difference = new Set<string>();
  for (const [id, bits] of mask) if (bits !== full) difference.add(id);
  return difference;
}

/**
 * The auth difference by one full walk per set (of the chains of its conflicted events), then a
 * walk of chain(U) that skips events every set reached and stops once no candidate is left.
 * Correct whatever the depths say; authDifference uses it when they cannot be trusted.
 */
export function authDifferenceBySets(stateSets: readonly StateMap[], separated: SeparatedState, getEvent: EventLookup, roomVersion?: RoomVersion): Set<string> {
  const reachedBy = new Map<string, number>();
  for (const set of stateSets) {
    const starts: string[] = [];
    for (const [key] of separated.conflicted) {
      const id = set.get(key);
      const event = id === undefined ? undefined : getEvent(id);
      if (event !== undefined) starts.push(...authEdges(event, roomVersion));
    }
    const seen = new Set<string>();
    walk(starts, seen, getEvent, roomVersion);
    for (const id of seen) reachedBy.set(id, (reachedBy.get(id) ?? 0) + 1);
  }
  const candidates = new Set<string>();
  for (const [id, count] of reachedBy) if (count < stateSets.length) candidates.add(id);
  if (candidates.size === 0) return candidates;

  const stack: string[] = [];
  for (const id of separated.unconflicted.values()) {
    const event = getEvent(id);
    if (event !== undefined) stack.push(...authEdges(event, roomVersion));
  }
  const seen = new Set<string>();
  let left = candidates.size;
  while (stack.length > 0 && left > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    if (reachedBy.get(id) === stateSets.length) continue;
    if (candidates.delete(id)) left--;
    const event = getEvent(id);
    if (event === undefined) continue;
    for (const next of authEdges(event, roomVersion)) if (!seen.has(next)) stack.push(next);
  }
  return candidates;
}
