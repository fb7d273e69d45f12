import { describe, expect, it } from "vitest";
import { buildRun, computeKeys, floorOfKey, KEY_END, keyAfter, keyBefore } from "@/lib/timeline/placement";
import type { SortableEvent } from "@/lib/timeline/topo-sort";

const ev = (eventId: string, prevEvents: string[]): SortableEvent => ({ eventId, prevEvents, depth: 1n, originServerTs: 0n });

describe("computeKeys", () => {
  it("clamps the preferred spot to after stored prev_events and before stored successors", () => {
    const keys = computeKeys([ev("$a", ["$p"]), ev("$b", ["$a"])], {
      storedPrevPosition: new Map([["$p", 500n]]),
      storedSuccessorPositions: new Map([["$a", [300n]]]),
      preferred: KEY_END,
    });
    // $a must precede its stored successor at 300 and follow $p at 500: the real edges
    // contradict each other, so $a follows its prev_event; $b follows $a.
    expect(keys.get("$a")).toBe(keyAfter(500n));
    expect(keys.get("$b")! >= keys.get("$a")!).toBe(true);
  });

  it("moves a batch prev_event before the earliest stored successor of anything after it", () => {
    const keys = computeKeys([ev("$a", []), ev("$b", ["$a"])], {
      storedPrevPosition: new Map(),
      storedSuccessorPositions: new Map([["$b", [100n]]]),
      preferred: keyBefore(900n),
    });
    expect(keys.get("$a")).toBe(keyBefore(100n));
    expect(keys.get("$b")).toBe(keyBefore(100n));
  });

  it("lets soft depth bounds give way to real edges", () => {
    const keys = computeKeys([ev("$a", ["$p"])], {
      storedPrevPosition: new Map([["$p", 50n]]),
      storedSuccessorPositions: new Map(),
      preferred: KEY_END,
      softUpper: new Map([["$a", keyBefore(20n)]]),
    });
    expect(keys.get("$a")).toBe(keyAfter(50n));
  });

  it("names slots by the item they follow", () => {
    expect(floorOfKey(keyAfter(7n))).toBe(7n);
    expect(floorOfKey(keyBefore(7n))).toBe(6n);
    expect(floorOfKey(keyAfter(-7n))).toBe(-7n);
  });
});

describe("buildRun", () => {
  const e = (eventId: string, missing: string[] = [], isTip = false) => ({ eventId, missing, isTip });

  it("adds a gap before each event with missing prev_events unless one is already there", () => {
    const { items } = buildRun([e("$a", ["$x"]), e("$b"), e("$c", ["$y"])], { beforeKind: "gap", after: null, tips: "none" });
    expect(items).toEqual([
      { kind: "event", eventId: "$a" },
      { kind: "event", eventId: "$b" },
      { kind: "gap", missing: ["$y"], tips: [] },
      { kind: "event", eventId: "$c" },
    ]);
  });

  it("splits the gap it lands in when the event after it still misses prev_events", () => {
    const { items } = buildRun([e("$a")], { beforeKind: "gap", after: { kind: "event", missing: ["$z"] }, tips: "none" });
    expect(items).toEqual([
      { kind: "event", eventId: "$a" },
      { kind: "gap", missing: ["$z"], tips: [] },
    ]);
  });

  it("bounds a date-jump island after its edge, and hands forwards-fill edges to the next gap", () => {
    expect(buildRun([e("$a", [], true)], { beforeKind: "event", after: { kind: "event", missing: [] }, tips: "bound" }).items).toEqual([
      { kind: "event", eventId: "$a" },
      { kind: "gap", missing: [], tips: ["$a"] },
    ]);
    expect(buildRun([e("$a", [], true)], { beforeKind: "event", after: { kind: "gap" }, tips: "record" }).tipsForNextGap).toEqual(["$a"]);
    expect(buildRun([e("$a", [], true)], { beforeKind: "event", after: { kind: "event", missing: [] }, tips: "record" }).items).toEqual([
      { kind: "event", eventId: "$a" },
    ]);
  });
});
