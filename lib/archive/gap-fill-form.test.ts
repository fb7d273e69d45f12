import { describe, expect, it } from "vitest";
import { gapFillFormAnswer, gapFillFormSchema } from "@/lib/archive/gap-fill-form";

const back = "/r/lobby%3Ahs.test/date/2026/11/21";

describe("the no-JavaScript gap fill form", () => {
  it("accepts only a day page of the archive as the way back", () => {
    expect(gapFillFormSchema.safeParse({ roomId: "!r:hs", gapId: "12", back }).success).toBe(true);
    expect(gapFillFormSchema.safeParse({ roomId: "!r:hs", gapId: "12", back: `${back}T10:00` }).success).toBe(true);
    for (const bad of ["https://evil.test/r/x/date/2026/11/21", "//evil.test/r/x/date/2026/11/21", "/r/x/date/2026/11/21?x=1", "/search", `${back}\n`]) {
      expect(gapFillFormSchema.safeParse({ roomId: "!r:hs", gapId: "12", back: bad }).success, bad).toBe(false);
    }
    expect(gapFillFormSchema.safeParse({ roomId: "r:hs", gapId: "12", back }).success).toBe(false);
    expect(gapFillFormSchema.safeParse({ roomId: "!r:hs", gapId: "1e3", back }).success).toBe(false);
  });

  it("goes back to the day when something arrived or the gap is closed", () => {
    expect(gapFillFormAnswer({ stored: 3, remaining: true, error: null, pending: false }, back)).toEqual({ kind: "back", location: back });
    expect(gapFillFormAnswer({ stored: 0, remaining: false, error: null, pending: false }, back)).toEqual({ kind: "back", location: back });
  });

  it("says honestly why nothing arrived, with a link back", () => {
    const failed = gapFillFormAnswer({ stored: 0, remaining: true, error: "unreachable", pending: false }, back);
    expect(failed).toMatchObject({ kind: "page", status: 502 });
    expect(failed.kind === "page" && failed.html).toContain(`href="${back}"`);
    expect(gapFillFormAnswer({ stored: 0, remaining: true, error: null, pending: true }, back)).toMatchObject({ kind: "page", status: 202 });
    const none = gapFillFormAnswer({ stored: 0, remaining: true, error: null, pending: false }, back);
    expect(none.kind === "page" && none.html).toContain("had none of the missing messages");
    expect(gapFillFormAnswer(null, back)).toMatchObject({ kind: "page", status: 404 });
  });
});
