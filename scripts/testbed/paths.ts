import path from "node:path";
import { fileURLToPath } from "node:url";

// Resolved from this file rather than process.cwd(): Playwright, tsx and the demo start from
// different directories, and the venv cache must be the same one for all of them.
export const testbedDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(testbedDir, "..", "..");
export const scriptsDir = path.join(repoRoot, "scripts");
