import v8 from "node:v8";

// The process's WebAssembly is embedded PGlite (Postgres compiled to a 9 MB module) and
// Prisma's query compiler. V8 compiles every function of a module with Liftoff, its baseline
// compiler, as the module loads, then compiles the hot ones again with TurboFan on background
// threads. That second tier kept 50–100 MiB resident in the archive (its code, and the
// compiler's working memory, which the allocator does not hand back), about a quarter of the
// server's whole footprint, while it makes PGlite's SQL only 10–20% faster once warm. A day page
// from the page cache runs no SQL at all, and in the first seconds after a start Liftoff alone
// is faster, with no compiler competing for the two cores. So the archive keeps to Liftoff
// unless WASM_OPTIMIZING_COMPILER asks for both tiers (a large ingest on PGlite, with memory to
// spare). Liftoff is the code every WebAssembly function runs first in Chrome and Node alike;
// what the flag stops is only the tier-up.
//
// V8 reads the flag when it compiles a module, so it must be set before the first one: the
// app sets it as it opens its database (lib/db.ts), before PGlite or Prisma load theirs.

let chosen: boolean | undefined;

/** Whether WebAssembly compiled from now on may also be optimized by TurboFan; set once per process. */
export function chooseWasmCompilers(optimizing: boolean): void {
  if (chosen === optimizing) return;
  if (chosen !== undefined) throw new Error(`the WebAssembly compilers were chosen already (optimizing: ${chosen}); a process has one choice`);
  if (!optimizing) v8.setFlagsFromString("--liftoff-only");
  chosen = optimizing;
}
