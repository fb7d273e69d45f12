// Bundles the archive's own server entry (scripts/start.ts: the front server before Next.js's
// handler, and the worker role) into one plain JavaScript file, .next/archive/start.mjs, which
// `npm start` runs with node. Run as part of `npm run build`, after `next build`.
//
// Why a bundle rather than running the TypeScript through tsx: tsx starts the server as a child
// of its own CLI process and transpiles every module through a loader thread, which together
// kept about 140 MiB more resident than the same server from this file. Packages stay imports
// of node_modules (--packages=external); only the project's own TypeScript is bundled.
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const SERVER_BUNDLE = path.join(root, ".next", "archive", "start.mjs");

await build({
  entryPoints: [path.join(root, "scripts", "start.ts")],
  outfile: SERVER_BUNDLE,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  tsconfig: path.join(root, "tsconfig.json"),
  logLevel: "warning",
});
