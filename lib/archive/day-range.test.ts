import { describe, expect, it } from "vitest";
import { addDays, dayBounds, parseDayParams } from "@/lib/archive/day-range";

describe("parseDayParams", () => {
  it("parses a date and an optional time of day", () => {
    expect(parseDayParams({ yyyy: "2024", mm: "03", dd: "15" })).toEqual({ year: 2024, month: 3, day: 15, minuteOfDay: null });
    expect(parseDayParams({ yyyy: "2024", mm: "03", dd: "15T13:05" })).toEqual({ year: 2024, month: 3, day: 15, minuteOfDay: 785 });
    expect(parseDayParams({ yyyy: "2024", mm: "03", dd: "15T13%3A05" })?.minuteOfDay).toBe(785);
  });

  it.each([
    ["2023", "02", "29"],
    ["2024", "13", "01"],
    ["2024", "00", "10"],
    ["2024", "04", "31"],
    ["2024", "1", "01"],
    ["24", "01", "01"],
    ["2024", "01", "01T24:00"],
    ["2024", "01", "01T10:60"],
    ["1969", "12", "31"],
    ["2024", "01", "01x"],
  ])("refuses %s-%s-%s", (yyyy, mm, dd) => expect(parseDayParams({ yyyy, mm, dd })).toBeUndefined());

  it("accepts a leap day", () => expect(parseDayParams({ yyyy: "2024", mm: "02", dd: "29" })).toBeDefined());
});

describe("dayBounds and addDays", () => {
  it("uses UTC midnight and the chosen time", () => {
    const ref = parseDayParams({ yyyy: "2024", mm: "03", dd: "15T01:30" })!;
    const b = dayBounds(ref);
    expect(new Date(b.start).toISOString()).toBe("2024-03-15T00:00:00.000Z");
    expect(new Date(b.end).toISOString()).toBe("2024-03-16T00:00:00.000Z");
    expect(new Date(b.from).toISOString()).toBe("2024-03-15T01:30:00.000Z");
  });

  it("crosses month and year ends", () => {
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(addDays("2024-12-31", 1)).toBe("2025-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
  });
});
