import { describe, expect, it } from "vitest";
import { aliasRefFromParam, roomBasePath, roomIdRefFromParam } from "@/lib/archive/room-paths";

describe("room URL segments", () => {
  it("reads aliases with or without the sigil", () => {
    expect(aliasRefFromParam("lobby%3Aexample.org")).toEqual({ kind: "alias", alias: "#lobby:example.org" });
    expect(aliasRefFromParam("%23lobby%3Aexample.org")).toEqual({ kind: "alias", alias: "#lobby:example.org" });
    expect(aliasRefFromParam("no-server")).toBeUndefined();
  });

  it("reads room IDs of every version, v12 ones having no server part", () => {
    expect(roomIdRefFromParam("abc%3Aexample.org")).toEqual({ kind: "id", roomId: "!abc:example.org" });
    const v12 = "!t3Wbm3TXBp6Lk2hNkSqoE5nH0rG7rJjk9r6Rz3xJ1pE";
    expect(roomIdRefFromParam(encodeURIComponent(v12.slice(1)))).toEqual({ kind: "id", roomId: v12 });
    expect(roomIdRefFromParam("has%20space")).toBeUndefined();
    expect(roomIdRefFromParam("%E0%A4%A")).toBeUndefined();
  });

  it("round-trips the base path of a room without an alias", () => {
    const path = roomBasePath({ roomId: "!t3Wbm3TXBp6Lk2hNkSqoE5nH0rG7rJjk9r6Rz3xJ1pE", canonicalAlias: null });
    expect(roomIdRefFromParam(path.split("/")[2]!)).toEqual({ kind: "id", roomId: "!t3Wbm3TXBp6Lk2hNkSqoE5nH0rG7rJjk9r6Rz3xJ1pE" });
  });
});
