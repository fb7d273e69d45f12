// How a benchmark hands its headline figures to bench/run.ts: one line on stdout,
// `BENCH_RESULT {"name":…,"rows":[[label, value, note], …]}`, printed last. A bench that prints
// none still runs; run.ts then shows only its exit status.

const RESULT_PREFIX = "BENCH_RESULT ";

export interface BenchResult {
  name: string;
  /** Each row: what was measured, the figure, and a short note (comparison, unit, caveat). */
  rows: Array<[string, string, string]>;
  /** Conditions of the run (load average, versions). */
  notes?: string[];
}

export function printResult(result: BenchResult): void {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

export function parseResult(stdout: string): BenchResult | undefined {
  const line = stdout
    .split("\n")
    .reverse()
    .find((l) => l.startsWith(RESULT_PREFIX));
  if (!line) return undefined;
  try {
    return JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult;
  } catch {
    return undefined;
  }
}
