import fc from "fast-check";
import type { EventSpec } from "@/lib/timeline/testing/events";

// Random room DAGs for the property tests: one or two partitions (a netsplit) whose servers
// each extend their own forward extremities, side branches off older events, merges when a
// split heals, and redactions of earlier events. Timestamps jitter, so concurrent branches
// interleave in time the way real servers' clocks do.

export type DagStep =
  | { op: "msg"; jitter: number; name: number }
  | { op: "burst"; width: number; name: number }
  | { op: "fork"; back: number; name: number }
  | { op: "split" }
  | { op: "heal"; name: number }
  | { op: "redact"; back: number; name: number };

export const dagStepArb: fc.Arbitrary<DagStep> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("msg" as const), jitter: fc.integer({ min: -3000, max: 3000 }), name: fc.nat(46655) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("fork" as const), back: fc.nat(20), name: fc.nat(46655) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("burst" as const), width: fc.integer({ min: 2, max: 5 }), name: fc.nat(46655) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("split" as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("heal" as const), name: fc.nat(46655) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("redact" as const), back: fc.nat(20), name: fc.nat(46655) }) },
);

export interface DagEvent extends Required<Pick<EventSpec, "id" | "prevs" | "depth" | "ts">> {
  redacts?: string;
}

/** Builds the DAG in creation order (every prev_event is created before its successors). */
export function buildDag(steps: readonly DagStep[], tag: string, baseTs = 1_710_460_800_000): DagEvent[] {
  const events: DagEvent[] = [];
  const depth = new Map<string, number>();
  let partitions: string[][] = [];
  const add = (name: number, prevs: string[], tsOffset: number, redacts?: string) => {
    const id = `$${name.toString(36).padStart(3, "0")}${events.length}${tag}`;
    const d = Math.max(0, ...prevs.map((p) => depth.get(p) ?? 0)) + 1;
    depth.set(id, d);
    events.push({ id, prevs, depth: d, ts: baseTs + events.length * 10_000 + tsOffset, ...(redacts ? { redacts } : {}) });
    return id;
  };
  partitions = [[add(0, [], 0)]];
  let turn = 0;
  for (const step of steps) {
    const p = turn++ % partitions.length;
    const heads = partitions[p]!;
    switch (step.op) {
      case "msg":
        partitions[p] = [add(step.name, heads.slice(0, 5), step.jitter)];
        break;
      case "burst": {
        // Messages sent at once (a client sending several in parallel): all name the same
        // extremities, and the next message merges up to five of them, as Synapse does.
        const prevs = heads.slice(0, 5);
        partitions[p] = Array.from({ length: step.width }, (_, k) => add(step.name + k, prevs, k * 7));
        break;
      }
      case "fork": {
        const from = events[Math.max(0, events.length - 1 - step.back)]!.id;
        heads.push(add(step.name, [from], 0));
        break;
      }
      case "split":
        if (partitions.length === 1) partitions.push([...heads]);
        break;
      case "heal":
        if (partitions.length === 2) partitions = [[add(step.name, [...new Set(partitions.flat())].slice(0, 5), 0)]];
        break;
      case "redact": {
        const target = events[Math.max(0, events.length - 1 - step.back)]!.id;
        partitions[p] = [add(step.name, heads.slice(0, 3), 0, target)];
        break;
      }
    }
  }
  return events;
}

export type ArrivalStep =
  | { kind: "live"; size: number; drop: boolean }
  /** Events created unseen, then the newest arrives with what /get_missing_events finds behind it. */
  | { kind: "catchup"; size: number; behind: number }
  /** byDepth: the answer is the deepest events first, as Synapse walks it; else breadth-first. */
  | { kind: "backfill"; pick: number; size: number; byDepth: boolean }
  | { kind: "forwards"; pick: number; size: number }
  | { kind: "jump"; pick: number; size: number; intoGap: boolean }
  | { kind: "redeliver"; pick: number; size: number }
  | { kind: "deny"; pick: number }
  /** Not an arrival: renumbers a window of positions, as a spot running out of room would. */
  | { kind: "renumber"; pick: number; incoming: number };

export const arrivalStepArb: fc.Arbitrary<ArrivalStep> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("live" as const), size: fc.integer({ min: 1, max: 8 }), drop: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("catchup" as const), size: fc.integer({ min: 1, max: 12 }), behind: fc.integer({ min: 0, max: 10 }) }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("backfill" as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 6 }), byDepth: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("forwards" as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 6 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("jump" as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 4 }), intoGap: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("redeliver" as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deny" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("renumber" as const), pick: fc.nat(), incoming: fc.integer({ min: 1, max: 5000 }) }) },
);

/** Walks prev_events backwards from `from`, deepest first (Synapse's /backfill and /get_missing_events order), over events `eligible` accepts. */
export function walkByDepth(dag: readonly DagEvent[], from: readonly string[], eligible: (id: string) => boolean, limit: number): DagEvent[] {
  const byId = new Map(dag.map((e) => [e.id, e]));
  const out: DagEvent[] = [];
  const seen = new Set<string>();
  const frontier = from.flatMap((id) => byId.get(id) ?? []);
  while (frontier.length > 0 && out.length < limit) {
    frontier.sort((a, b) => b.depth - a.depth || (a.id < b.id ? -1 : 1));
    const e = frontier.shift()!;
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    if (!eligible(e.id)) continue;
    out.push(e);
    for (const p of e.prevs) if (!seen.has(p)) frontier.push(byId.get(p)!);
  }
  return out;
}

/** Walks prev_events (backwards) or successors (forwards) breadth-first from `from`, over events `eligible` accepts. */
export function walk(
  dag: readonly DagEvent[],
  from: readonly string[],
  direction: "backwards" | "forwards",
  eligible: (id: string) => boolean,
  limit: number,
): DagEvent[] {
  const byId = new Map(dag.map((e) => [e.id, e]));
  const successors = new Map<string, string[]>();
  for (const e of dag) for (const p of e.prevs) successors.set(p, [...(successors.get(p) ?? []), e.id]);
  const out: DagEvent[] = [];
  const seen = new Set<string>();
  const queue = [...from];
  while (queue.length > 0 && out.length < limit) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const e = byId.get(id);
    if (!e || !eligible(id)) continue;
    out.push(e);
    queue.push(...(direction === "backwards" ? e.prevs : (successors.get(id) ?? [])));
  }
  return out;
}
