import { describe, expect, it } from "vitest";
import { createRenderer, formatEta, progressBar } from "@/cli/render";

function capture(isTTY: boolean) {
  const written: string[] = [];
  let t = 0;
  const renderer = createRenderer({ isTTY, write: (s) => void written.push(s), columns: 100 }, () => t);
  return { written, renderer, tick: (ms: number) => void (t += ms) };
}

describe("the CLI's output", () => {
  it("formats an ETA and a bar", () => {
    expect(formatEta(42)).toBe("42s");
    expect(formatEta(125)).toBe("2m05s");
    expect(formatEta(7260)).toBe("2h01m");
    expect(formatEta(Number.NaN)).toBe("?");
    expect(progressBar(0.5, 10)).toBe("[#####-----]");
    expect(progressBar(2, 4)).toBe("[####]");
  });

  it("redraws one line on a terminal, with an ETA from the rate so far", () => {
    const { written, renderer, tick } = capture(true);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.1, stored: 10, events: 100 });
    tick(10_000);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.2, stored: 20, events: 200 });
    renderer.render({ type: "line", text: "backfill complete" });
    expect(written[0]).toMatch(/^\rbackfill \[#*-+\]\s+10% 100 events held, 10 fetched, ETA \?/);
    // 10% per 10 s, 80% left: 80 s.
    expect(written[1]).toContain(" 20% 200 events held, 20 fetched, ETA 1m20s");
    expect(written.slice(2)).toEqual(["\n", "backfill complete\n"]);
  });

  it("says nothing is left once the backfill is whole, even when it was whole from the start", () => {
    const { written, renderer } = capture(false);
    renderer.render({ type: "progress", label: "backfill", fraction: 1, stored: 0, events: 35 });
    expect(written).toEqual(["backfill: 100% 35 events held, 0 fetched, ETA 0s\n"]);
  });

  it("prints plain lines now and then when not on a terminal", () => {
    const { written, renderer, tick } = capture(false);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.1, stored: 1, events: 1 });
    tick(1_000);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.12, stored: 2, events: 2 });
    tick(1_000);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.25, stored: 3, events: 3 });
    tick(10_000);
    renderer.render({ type: "progress", label: "backfill", fraction: 0.26, stored: 4, events: 4 });
    expect(written).toHaveLength(3);
    expect(written.every((l) => l.startsWith("backfill: ") && l.endsWith("\n") && !l.includes("\r"))).toBe(true);
  });
});
