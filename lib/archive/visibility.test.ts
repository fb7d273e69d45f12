import { describe, expect, it } from "vitest";
import { hiddenEvents } from "@/lib/archive/visibility";

describe("hiddenEvents", () => {
  const ev = (id: string, position: number, ts = 0) => ({ eventId: id, position: BigInt(position), ts });

  it("follows history visibility changes in timeline order, counting the change itself", () => {
    const changes = [
      { position: 10n, visibility: "shared" },
      { position: 20n, visibility: "world_readable" },
      { position: 30n, visibility: "joined" },
    ];
    const hidden = hiddenEvents([ev("a", 15), ev("b", 20), ev("c", 25), ev("d", 30), ev("e", 40)], changes, null);
    expect([...hidden].sort()).toEqual(["a", "d", "e"]);
  });

  it("falls back to the recorded consent time before the first known change", () => {
    const hidden = hiddenEvents([ev("old", 1, 1000), ev("new", 2, 3000)], [], 2000);
    expect([...hidden]).toEqual(["old"]);
    expect(hiddenEvents([ev("x", 1, 1)], [], null).size).toBe(0);
  });
});
