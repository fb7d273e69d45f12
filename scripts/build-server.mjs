// Bundles the archive's own server entry (scripts/start.ts: the front server before Next.js's
// handler, and the worker role) into one plain JavaScript file, .next/archive/start.mjs, which
// `npm start` runs with node, and beside it the verification pool's worker
// (lib/federation/verify-worker.ts → verify-worker.mjs), which worker threads of that server
// load instead of registering tsx each. Run as part of `npm run build`, after `next build`.
//
// Why a bundle rather than running the TypeScript through tsx: tsx starts the server as a child
// of its own CLI process and transpiles every module through a loader thread, which together
// kept about 140 MiB more resident than the same server from this file. Packages stay imports
// of node_modules (--packages=external); only the project's own TypeScript is bundled.
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const OUT = path.join(root, ".next", "archive");

await build({
  entryPoints: { start: path.join(root, "scripts", "start.ts"), "verify-worker": path.join(root, "lib", "federation", "verify-worker.ts") },
  outdir: OUT,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  tsconfig: path.join(root, "tsconfig.json"),
  logLevel: "warning",
});
