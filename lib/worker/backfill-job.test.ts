import { describe, expect, it } from "vitest";
import { stepOutcome } from "@/lib/worker/backfill-job";

describe("stepOutcome", () => {
  it("continues a step stopped by its own bounds while history is left", () => {
    for (const finished of ["max_events", "max_requests", "timeout"] as const) {
      expect(stepOutcome({ finished, stored: 0 }, true)).toEqual({ continues: true, finished: null });
    }
  });

  it("continues a step that stored events but found no frontier its servers would answer for", () => {
    // The servers answered nothing more this step (a homeserver just restarted): ask again later.
    expect(stepOutcome({ finished: "complete", stored: 12 }, true)).toEqual({ continues: true, finished: null });
  });

  it("ends as no_progress, not complete, when a step stored nothing and history is left", () => {
    expect(stepOutcome({ finished: "complete", stored: 0 }, true)).toEqual({ continues: false, finished: "no_progress" });
    expect(stepOutcome({ finished: "no_progress", stored: 0 }, true)).toEqual({ continues: false, finished: "no_progress" });
  });

  it("ends as complete once no history is left, whatever stopped the step", () => {
    for (const finished of ["complete", "max_events", "timeout", "no_progress"] as const) {
      expect(stepOutcome({ finished, stored: 5 }, false)).toEqual({ continues: false, finished: "complete" });
    }
  });

  it("ends a stopped step as stopped", () => {
    expect(stepOutcome({ finished: "stopped", stored: 3 }, true)).toEqual({ continues: false, finished: "stopped" });
  });
});
