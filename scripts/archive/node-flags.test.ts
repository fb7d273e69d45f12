import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SERVER_NODE_FLAGS } from "./node-flags";

describe("the server's node flags", () => {
  it("are what `npm start` passes", () => {
    const pkg = JSON.parse(readFileSync(path.join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(["node", ...SERVER_NODE_FLAGS, ".next/archive/start.mjs"].join(" "));
  });
});
