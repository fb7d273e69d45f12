import { describe, expect, it } from "vitest";
import { timelineCursorOf, urlCursorOf, urlCursorSchema } from "@/lib/archive/day-cursor";

describe("day-page URL cursors", () => {
  it("carries event cursors as bare event IDs and denial cursors as d:$id, both ways", () => {
    expect(urlCursorOf("e:$abc")).toBe("$abc");
    expect(urlCursorOf("d:$abc")).toBe("d:$abc");
    expect(urlCursorOf(null)).toBeNull();
    expect(timelineCursorOf("$abc")).toBe("e:$abc");
    expect(timelineCursorOf("d:$abc")).toBe("d:$abc");
    for (const c of ["e:$abc", "d:$abc"]) expect(timelineCursorOf(urlCursorOf(c)!)).toBe(c);
  });

  it("accepts only event IDs and d: with an event ID", () => {
    expect(urlCursorSchema.safeParse("$abc").success).toBe(true);
    expect(urlCursorSchema.safeParse("d:$abc").success).toBe(true);
    for (const bad of ["abc", "e:$abc", "d:abc", "d:", "", `$${"x".repeat(300)}`]) expect(urlCursorSchema.safeParse(bad).success).toBe(false);
  });
});
