import { MAX_POS, MIN_POS } from "@/lib/timeline/positions";
import type { SortableEvent } from "@/lib/timeline/topo-sort";

// A "key" names a point between items on a line where item positions are doubled:
// 2p + 1 is just after the item at p, 2q - 1 just before the item at q. Every new event gets
// a key; events whose keys fall between the same two stored items form one run there.

const KEY_START = 2n * (MIN_POS - 1n) - 1n;
export const KEY_END = 2n * (MAX_POS + 1n) + 1n;
export const keyAfter = (position: bigint) => 2n * position + 1n;
export const keyBefore = (position: bigint) => 2n * position - 1n;
/** Keys are odd, so this is exact: the slot of a key is after the last item at or below it. */
export const floorOfKey = (key: bigint) => (key - 1n) / 2n;

export interface PlacementFacts {
  /** Positions of stored prev_events (outside the batch). */
  storedPrevPosition: ReadonlyMap<string, bigint>;
  /** Positions of stored events naming a batch event among their prev_events, by that batch event. */
  storedSuccessorPositions: ReadonlyMap<string, readonly bigint[]>;
  /** Where the arrival kind wants the batch (docs/timeline.md, "Where new events go"). */
  preferred: bigint;
  /**
   * Depth-based bounds for links the archive cannot see yet (see depthBounds): keys an event
   * should stay after / before so that its missing ancestors and descendants can still be
   * slotted in between when they arrive. They give way to real prev_event edges.
   */
  softLower?: ReadonlyMap<string, bigint>;
  softUpper?: ReadonlyMap<string, bigint>;
}

interface Bounds {
  lo: bigint;
  hi: bigint;
  softLo: bigint;
  softHi: bigint;
}

/**
 * The key of each batch event: the preferred spot, clamped first to the soft (depth) bounds,
 * then to the hard ones: after every stored or batch prev_event and before every stored or
 * batch successor. Every bound travels along batch edges (lower ones forwards, upper ones
 * backwards) and each clamp is monotone in its bounds, with one preferred key for the whole
 * batch, so along every batch edge the keys stay ordered.
 */
export function computeKeys(sorted: readonly SortableEvent[], facts: PlacementFacts): Map<string, bigint> {
  const bounds = propagateBounds(sorted, facts);
  const keys = new Map<string, bigint>();
  for (const e of sorted) {
    const b = bounds.get(e.eventId)!;
    // Soft: an upper bound protects stored descendants, so it wins a conflict with a lower one.
    const soft = min(max(facts.preferred, b.softLo), b.softHi);
    // Hard: lo <= hi whenever the stored timeline keeps invariant 2; if a forged DAG breaks
    // that, the event still goes after its stored prev_events rather than failing the batch.
    keys.set(e.eventId, max(min(soft, b.hi), b.lo));
  }
  return keys;
}

function propagateBounds(sorted: readonly SortableEvent[], facts: PlacementFacts): Map<string, Bounds> {
  const inBatch = new Set(sorted.map((e) => e.eventId));
  const bounds = new Map<string, Bounds>();
  for (const e of sorted) {
    const b: Bounds = { lo: KEY_START, hi: KEY_END, softLo: facts.softLower?.get(e.eventId) ?? KEY_START, softHi: KEY_END };
    for (const p of e.prevEvents) {
      const stored = facts.storedPrevPosition.get(p);
      if (stored !== undefined && keyAfter(stored) > b.lo) b.lo = keyAfter(stored);
      const prev = inBatch.has(p) && p !== e.eventId ? bounds.get(p) : undefined;
      if (prev) {
        if (prev.lo > b.lo) b.lo = prev.lo;
        if (prev.softLo > b.softLo) b.softLo = prev.softLo;
      }
    }
    bounds.set(e.eventId, b);
  }
  for (let i = sorted.length - 1; i >= 0; i--) {
    const e = sorted[i]!;
    const b = bounds.get(e.eventId)!;
    for (const s of facts.storedSuccessorPositions.get(e.eventId) ?? []) if (keyBefore(s) < b.hi) b.hi = keyBefore(s);
    const soft = facts.softUpper?.get(e.eventId);
    if (soft !== undefined && soft < b.softHi) b.softHi = soft;
    for (const p of e.prevEvents) {
      const prev = inBatch.has(p) && p !== e.eventId ? bounds.get(p) : undefined;
      if (!prev) continue;
      if (b.hi < prev.hi) prev.hi = b.hi;
      if (b.softHi < prev.softHi) prev.softHi = b.softHi;
    }
  }
  return bounds;
}

/**
 * The events whose soft lower bound could change some key, given every other fact. A key is
 * min(max(preferred, softLo), softHi, hi) clamped up by lo, so a lower bound matters only below
 * the upper bounds, and only where they lie above the preferred spot; an event's lower bound
 * travels to its batch descendants, so it matters when that holds for the event or any of
 * them. A backfill walking into a gap has every upper bound at the preferred spot (the event
 * it goes before descends from the batch) and needs none. When the batch is not in
 * topological order (a prev_events cycle), every event is reported.
 */
export function lowerBoundsThatMatter(sorted: readonly SortableEvent[], facts: Omit<PlacementFacts, "softLower">): Set<string> {
  const index = new Map(sorted.map((e, i) => [e.eventId, i]));
  const all = new Set(sorted.map((e) => e.eventId));
  for (const [i, e] of sorted.entries()) {
    for (const p of e.prevEvents) if (p !== e.eventId && (index.get(p) ?? -1) > i) return all;
  }
  const bounds = propagateBounds(sorted, facts);
  const matters = new Set<string>();
  for (let i = sorted.length - 1; i >= 0; i--) {
    const e = sorted[i]!;
    const b = bounds.get(e.eventId)!;
    if (facts.preferred < min(b.hi, b.softHi)) matters.add(e.eventId);
    if (!matters.has(e.eventId)) continue;
    for (const p of e.prevEvents) if (index.has(p)) matters.add(p);
  }
  return matters;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);

export interface RunEvent {
  eventId: string;
  /** prev_events neither stored nor in the batch. */
  missing: string[];
  /** No stored or batch event names it as a prev_event. */
  isTip: boolean;
}

export type RunItem = { kind: "event"; eventId: string } | { kind: "gap"; missing: string[]; tips: string[] };

export interface RunContext {
  /** Kind of the item right before the run (null: the room's start). */
  beforeKind: string | null;
  /** The item right after the run: an event with its still-missing prev_events, a gap, or the end. */
  after: { kind: "event"; missing: string[] } | { kind: "gap" } | { kind: "other" } | null;
  /** Record the run's tips in the gap after it (forwards fills) or in a new one (date jumps). */
  tips: "none" | "record" | "bound";
}

/**
 * The items of one run: its events in batch order, a new gap before each event whose
 * prev_events are missing (unless a gap already sits there), and a gap after the run where the
 * next stored event still misses prev_events or a date-jump island needs its far side bounded.
 * Returns the tips to add to an existing gap right after the run.
 */
export function buildRun(events: readonly RunEvent[], ctx: RunContext): { items: RunItem[]; tipsForNextGap: string[] } {
  const items: RunItem[] = [];
  let lastIsGap = ctx.beforeKind === "gap";
  for (const e of events) {
    if (e.missing.length > 0 && !lastIsGap) items.push({ kind: "gap", missing: e.missing, tips: [] });
    items.push({ kind: "event", eventId: e.eventId });
    lastIsGap = false;
  }
  const tips = ctx.tips === "none" ? [] : events.filter((e) => e.isTip).map((e) => e.eventId);
  if (ctx.after?.kind === "gap") return { items, tipsForNextGap: tips };
  const nextMissing = ctx.after?.kind === "event" ? ctx.after.missing : [];
  const bound = ctx.tips === "bound" && tips.length > 0;
  if (nextMissing.length > 0 || bound) items.push({ kind: "gap", missing: nextMissing, tips });
  return { items, tipsForNextGap: [] };
}
