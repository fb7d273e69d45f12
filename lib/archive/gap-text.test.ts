import { describe, expect, it } from "vitest";
import { gapSpanText } from "@/lib/archive/gap-text";

const at = (iso: string) => Date.parse(iso);

describe("gapSpanText", () => {
  it("names minutes between messages that are minutes or days apart", () => {
    expect(gapSpanText(at("2026-11-21T18:00:05Z"), at("2026-11-23T12:00:00Z"))).toBe(
      "Missing: messages after 2026-11-21 18:00 UTC and before 2026-11-23 12:00 UTC.",
    );
  });

  it("gives seconds when both neighbours were sent within one minute", () => {
    expect(gapSpanText(at("2026-11-21T21:35:04Z"), at("2026-11-21T21:35:50Z"))).toBe("Missing: messages sent between 2026-11-21 21:35:04 and 21:35:50 UTC.");
  });

  it("says 'a few messages around' when both neighbours share a second", () => {
    expect(gapSpanText(at("2026-11-21T21:35:04.100Z"), at("2026-11-21T21:35:04.900Z"))).toBe("Missing: a few messages around 2026-11-21 21:35 UTC.");
  });

  it("says what it knows at either end, and nothing without either", () => {
    expect(gapSpanText(null, at("2026-11-21T10:00:00Z"))).toBe("Missing: messages before 2026-11-21 10:00 UTC.");
    expect(gapSpanText(at("2026-11-21T10:00:00Z"), null)).toBe("Missing: messages after 2026-11-21 10:00 UTC.");
    expect(gapSpanText(null, null)).toBeNull();
  });
});
