// Sums the JSON reports of Vitest and Playwright into one closing line: "N passed, N failed".
// A missing report counts as a failure: its runner did not get to the end.
import { existsSync, readFileSync } from "node:fs";

let passed = 0,
  failed = 0,
  skipped = 0;
const [vitestPath, playwrightPath] = process.argv.slice(2);
const lines = [];

if (vitestPath && existsSync(vitestPath)) {
  const r = JSON.parse(readFileSync(vitestPath, "utf8"));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // A file that failed to load has no tests in the counts but did fail.
  failed += r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
  lines.push(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
} else {
  failed += 1;
  lines.push("vitest: no report");
}

if (playwrightPath && existsSync(playwrightPath)) {
  const s = JSON.parse(readFileSync(playwrightPath, "utf8")).stats;
  passed += s.expected;
  failed += s.unexpected + s.flaky;
  skipped += s.skipped;
  lines.push(`playwright: ${s.expected} passed, ${s.unexpected + s.flaky} failed${s.flaky ? ` (${s.flaky} flaky)` : ""}`);
} else {
  failed += 1;
  lines.push("playwright: no report");
}

console.log(lines.join("\n"));
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
