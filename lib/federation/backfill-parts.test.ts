import { describe, expect, it } from "vitest";
import { frontierParts, startingAt } from "@/lib/federation/backfill-parts";

describe("frontierParts", () => {
  it("deals a frontier into at most `ways` parts, each event in exactly one", () => {
    const wanted = ["$a", "$b", "$c", "$d", "$e"];
    const parts = frontierParts(wanted, 3);
    expect(parts).toEqual([["$a", "$d"], ["$b", "$e"], ["$c"]]);
    expect(parts.flat().sort()).toEqual([...wanted].sort());
  });

  it("never makes an empty part, nor more parts than events", () => {
    expect(frontierParts(["$a", "$b"], 8)).toEqual([["$a"], ["$b"]]);
    expect(frontierParts(["$a"], 3)).toEqual([["$a"]]);
  });

  it("keeps the whole frontier in one part when there is one way, or none asked for", () => {
    expect(frontierParts(["$a", "$b"], 1)).toEqual([["$a", "$b"]]);
    expect(frontierParts(["$a", "$b"], 0)).toEqual([["$a", "$b"]]);
    expect(frontierParts([], 3)).toEqual([[]]);
  });

  it("asks for a repeated event once", () => {
    expect(frontierParts(["$a", "$a", "$b"], 2)).toEqual([["$a"], ["$b"]]);
  });
});

describe("startingAt", () => {
  it("rotates the servers so that each part starts at another one and falls back to the rest", () => {
    const servers = ["hs1", "hs2", "hs3"];
    expect(startingAt(servers, 0)).toEqual(["hs1", "hs2", "hs3"]);
    expect(startingAt(servers, 1)).toEqual(["hs2", "hs3", "hs1"]);
    expect(startingAt(servers, 4)).toEqual(["hs2", "hs3", "hs1"]);
    expect(startingAt([], 2)).toEqual([]);
  });
});
