import { describe, expect, it } from "vitest";
import { hiddenEvents } from "@/lib/archive/visibility";

describe("hiddenEvents", () => {
  const ev = (id: string, ts = 0) => ({ eventId: id, ts });

  it("shows only events whose history visibility at their place was world_readable", () => {
    const at = new Map([
      ["a", "shared"],
      ["b", "world_readable"],
      ["c", "joined"],
    ]);
    expect([...hiddenEvents([ev("a"), ev("b"), ev("c")], at, null)].sort()).toEqual(["a", "c"]);
    // A known visibility wins over the consent time.
    expect([...hiddenEvents([ev("b", 1)], at, 2000)]).toEqual([]);
  });

  it("falls back to the recorded consent time before the first known change", () => {
    const hidden = hiddenEvents(
      [ev("old", 1000), ev("new", 3000), ev("unplaced", 1000)],
      new Map([
        ["old", null],
        ["new", null],
      ]),
      2000,
    );
    expect([...hidden]).toEqual(["old", "unplaced"]);
    expect(hiddenEvents([ev("x", 1)], new Map(), null).size).toBe(0);
  });
});
