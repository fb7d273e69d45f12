import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { APPEND_STEP, FILL_STEP, MAX_POS, MIN_POS, MIN_STEP, placeInSlot, renumberedPosition, renumberLayout, type Pack } from "@/lib/timeline/positions";

const pack = fc.constantFrom<Pack>("early", "late", "middle");
const increasing = (xs: bigint[]) => xs.every((x, i) => i === 0 || xs[i - 1]! < x);

describe("placeInSlot", () => {
  it("places items strictly between the neighbours, in order, at least MIN_STEP apart", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: MIN_POS, max: MAX_POS - 2n }),
        fc.bigInt({ min: 2n, max: 2n ** 40n }),
        fc.integer({ min: 1, max: 300 }),
        pack,
        (lo, gap, m, p) => {
          const hi = lo + gap > MAX_POS ? MAX_POS : lo + gap;
          const positions = placeInSlot(lo, hi, m, p);
          if (positions === null) {
            expect((hi - lo) / (2n * BigInt(m) + 2n)).toBeLessThan(MIN_STEP);
            return;
          }
          expect(positions).toHaveLength(m);
          expect(increasing([lo, ...positions, hi])).toBe(true);
          for (let i = 1; i < m; i++) expect(positions[i]! - positions[i - 1]!).toBeGreaterThanOrEqual(MIN_STEP);
        },
      ),
    );
  });

  it("packs a backfill against the late end so the rest of the gap stays free for the next one", () => {
    const positions = placeInSlot(0n, 2n ** 30n, 100, "late")!;
    expect(positions[99]).toBe(2n ** 30n - FILL_STEP);
    expect(positions[0]).toBe(2n ** 30n - 100n * FILL_STEP);
  });

  it("appends at APPEND_STEP and asks for renumbering only at the edge of the key space", () => {
    expect(placeInSlot(null, null, 3, "early")).toEqual([0n, APPEND_STEP, 2n * APPEND_STEP]);
    expect(placeInSlot(10n, null, 2, "early")).toEqual([10n + APPEND_STEP, 10n + 2n * APPEND_STEP]);
    expect(placeInSlot(MAX_POS - APPEND_STEP, null, 2, "early")).toBeNull();
    expect(placeInSlot(null, MIN_POS + APPEND_STEP, 2, "late")).toBeNull();
  });
});

describe("renumberLayout", () => {
  it("keeps order inside the window's bounds and leaves room at the spot for the incoming batch", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: MIN_POS - 1n, max: 0n }),
        fc.bigInt({ min: 1n, max: MAX_POS + 1n }),
        fc.nat(500),
        fc.nat(500),
        fc.integer({ min: 1, max: 500 }),
        pack,
        (lo, hi, before, after, incoming, p) => {
          const w = { lo, hi, before, after, incoming };
          const layout = renumberLayout(w);
          if (!layout) {
            expect(hi - lo).toBeLessThan(2n * (BigInt(before + after + 1) * FILL_STEP + 2n * BigInt(incoming + 1) * FILL_STEP));
            return;
          }
          const positions = Array.from({ length: before + after }, (_, i) => renumberedPosition(w, layout, i + 1));
          expect(increasing([lo, ...positions, hi])).toBe(true);
          const left = before === 0 ? lo : positions[before - 1]!;
          const right = after === 0 ? hi : positions[before]!;
          const spot = placeInSlot(left, right, incoming, p);
          expect(spot).not.toBeNull();
        },
      ),
    );
  });
});
