import { describe, expect, it } from "vitest";
import { monthGrid } from "@/lib/archive/month-activity";

describe("monthGrid", () => {
  it("lays out a month in Monday-first weeks with padding", () => {
    // November 2026 starts on a Sunday and has 30 days.
    const weeks = monthGrid(2026, 11, [20, 21]);
    expect(weeks).toHaveLength(6);
    expect(weeks[0]?.slice(0, 6)).toEqual([null, null, null, null, null, null]);
    expect(weeks[0]?.[6]).toEqual({ day: 1, date: "2026-11-01", active: false });
    expect(
      weeks
        .flat()
        .filter((c) => c?.active)
        .map((c) => c?.date),
    ).toEqual(["2026-11-20", "2026-11-21"]);
    expect(weeks.flat().filter(Boolean)).toHaveLength(30);
  });

  it("handles leap February", () => {
    expect(monthGrid(2024, 2, []).flat().filter(Boolean)).toHaveLength(29);
  });
});
