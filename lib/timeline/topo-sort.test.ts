import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { topoSort, type SortableEvent } from "@/lib/timeline/topo-sort";

const ev = (eventId: string, prevEvents: string[], depth = 1, ts = 0): SortableEvent => ({
  eventId,
  prevEvents,
  depth: BigInt(depth),
  originServerTs: BigInt(ts),
});
const ids = (events: SortableEvent[]) => events.map((e) => e.eventId);

describe("topoSort", () => {
  it("puts prev_events first and breaks ties by depth, then origin_server_ts, then event ID", () => {
    const events = [ev("$d", ["$b", "$c"], 3), ev("$c", ["$a"], 2, 5), ev("$b", ["$a"], 2, 5), ev("$a", [], 1), ev("$e", [], 1, 9)];
    expect(ids(topoSort(events))).toEqual(["$a", "$e", "$b", "$c", "$d"]);
  });

  it("follows edges even when depth says otherwise", () => {
    expect(ids(topoSort([ev("$child", ["$parent"], 1), ev("$parent", [], 7)]))).toEqual(["$parent", "$child"]);
  });

  it("keeps the events of a prev_events cycle, in tie-break order", () => {
    expect(ids(topoSort([ev("$y", ["$x"], 2), ev("$x", ["$y"], 1), ev("$z", [], 5)]))).toEqual(["$z", "$x", "$y"]);
  });

  it("gives one order for any input order of a random DAG, with every edge respected", () => {
    const dag = fc
      .array(fc.record({ prevs: fc.array(fc.nat(), { maxLength: 3 }), depth: fc.nat(5), ts: fc.nat(3) }), { minLength: 1, maxLength: 30 })
      .map((specs) => specs.map((s, i) => ev(`$${i}`, i === 0 ? [] : [...new Set(s.prevs.map((p) => `$${p % i}`))], s.depth, s.ts)));
    const dagTwice = dag.chain((events) => fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length })));
    fc.assert(
      fc.property(dagTwice, ([events, shuffled]) => {
        const sorted = topoSort(shuffled);
        expect(ids(sorted)).toEqual(ids(topoSort(events)));
        const at = new Map(sorted.map((e, k) => [e.eventId, k]));
        for (const e of sorted) for (const p of e.prevEvents) expect(at.get(p)!).toBeLessThan(at.get(e.eventId)!);
      }),
    );
  });
});
