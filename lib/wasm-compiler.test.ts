import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The flag is process-wide, so each case runs in a process of its own, which asks V8 (through
// its natives syntax, a test-only switch) which tier a hot WebAssembly function runs in.
const MODULE = path.join(import.meta.dirname, "wasm-compiler.ts");

// (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
const WASM = [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 65, 1, 106, 11];

// Calls the function far past V8's tier-up budget, then waits (bounded) for TurboFan's code.
const SCRIPT = `
const { chooseWasmCompilers } = await import(${JSON.stringify(MODULE)});
chooseWasmCompilers(process.argv[1] === "optimizing");
const { instance } = await WebAssembly.instantiate(new Uint8Array(${JSON.stringify(WASM)}));
const f = instance.exports.f;
const turbofan = new Function("f", "return %IsTurboFanFunction(f)");
const liftoff = new Function("f", "return %IsLiftoffFunction(f)");
let x = 0;
for (let round = 0; round < 20 && !turbofan(f); round++) {
  for (let i = 0; i < 1e6; i++) x = f(x);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(JSON.stringify({ turbofan: turbofan(f), liftoff: liftoff(f), calls: x }));
`;

function hotFunctionTier(mode: "optimizing" | "baseline"): { turbofan: boolean; liftoff: boolean; calls: number } {
  const run = spawnSync(process.execPath, ["--allow-natives-syntax", "--import", "tsx", "--input-type=module", "-e", SCRIPT, mode], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}");
}

describe("chooseWasmCompilers", () => {
  it("lets V8 optimize a hot function when asked to (the control: tier-up happens in this test's time)", () => {
    expect(hotFunctionTier("optimizing")).toMatchObject({ turbofan: true, liftoff: false });
  });

  it("keeps a hot function in Liftoff's code otherwise, however long it runs", () => {
    const tier = hotFunctionTier("baseline");
    expect(tier).toMatchObject({ turbofan: false, liftoff: true });
    expect(tier.calls).toBe(20e6);
  });

  it("takes one choice per process", async () => {
    const { chooseWasmCompilers } = await import("@/lib/wasm-compiler");
    chooseWasmCompilers(true);
    expect(() => chooseWasmCompilers(true)).not.toThrow();
    expect(() => chooseWasmCompilers(false)).toThrow(/chosen already/);
  });
});
