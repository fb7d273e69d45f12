/**
 * Runs the benchmarks in bench/, each in its own child process (a crash or a leaked handle in
 * one cannot skew or hang the next), streams their output, and prints a short combined table at
 * the end.
 *
 *   npm run bench                                  # the suite: verify-throughput, timeline, vs-synapse
 *   npm run bench -- vs-synapse                    # only the named ones (any bench/<name>.ts)
 *   npm run bench -- vs-synapse --events 5000      # other arguments go to each selected bench
 *   npm run bench -- soak --seconds 10             # the soak (only when named)
 *   npm run bench -- --list
 *
 * Each bench is bounded in time (vs-synapse 60 min, soak 30, the others 15) and killed with its process
 * group when over; Ctrl-C is passed on so a bench can tear down what it started. A bench reports
 * its headline figures with a last `BENCH_RESULT {json}` line (bench/lib/result.ts); for one that
 * does not, the table shows a figure picked from its output, or its exit status.
 * Exit status: non-zero when any bench failed.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { parseResult, type BenchResult } from "./lib/result";
import { formatTable, loadLine } from "./lib/stats";

const BENCH_DIR = import.meta.dirname;
const ROOT = path.resolve(BENCH_DIR, "..");
// The suite, in this order. Other bench/*.ts files (scratch profiles, new benches) run only when
// named, so a stray file cannot slip into `npm run bench`.
const SUITE = ["verify-throughput", "authorize", "timeline", "vs-synapse"];
// The soak (bench/soak.ts) runs only when named: a minute of 64 connections is no neighbour
// for other work on a shared machine.
const TIMEOUT_MINUTES: Record<string, number> = { "vs-synapse": 60, soak: 30 };
const DEFAULT_TIMEOUT_MINUTES = 15;

function available(): string[] {
  const names = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3));
  const rank = (n: string) => (SUITE.includes(n) ? SUITE.indexOf(n) : SUITE.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A headline for benches that print no BENCH_RESULT line (their output format is their own). */
function fallbackRows(name: string, stdout: string): BenchResult["rows"] {
  const lines = stdout
    .split("\n")
    .map((l) => l.trimEnd())
    .filter(Boolean);
  if (name === "verify-throughput") {
    // Columns: case, PDUs, PDUs/s, µs/PDU.
    const row = lines.find((l) => l.startsWith("verifyPdu, all recorded PDUs"));
    const cells = row?.split(/\s{2,}/) ?? [];
    if (cells.length >= 4) return [["PDU verification, one core (all recorded PDUs)", `${cells[2]} PDUs/s`, `${cells[3]} µs/PDU`]];
  }
  if (name === "timeline") {
    // A markdown table: | pattern | events | seconds | events/s | batch p50 ms | batch p99 ms | key bytes | …
    const rows: BenchResult["rows"] = [];
    for (const l of lines.filter((l) => l.startsWith("| ") && !l.startsWith("| pattern"))) {
      const cells = l.split("|").map((c) => c.trim());
      if (cells[1] && cells[4]) rows.push([`${cells[1]} (${cells[2]} events)`, `${cells[4]} events/s`, `batch p99 ${cells[6]} ms, key ${cells[7]} B`]);
    }
    const day = lines.find((l) => l.startsWith("Day window"));
    const p50 = day && /p50 ([\d.]+ ms) \(whole day\)/.exec(day)?.[1];
    if (day && p50)
      rows.push([
        "day window query, 500-event day",
        `p50 ${p50}`,
        day
          .replace(/^Day window, a day of \d+ events/, "")
          .replace(/:.*$/, "")
          .trim(),
      ]);
    if (rows.length > 0) return rows;
  }
  const last = lines.at(-1);
  return last ? [["last line of output", last.slice(0, 100), ""]] : [];
}

interface Outcome {
  name: string;
  status: "ok" | "failed" | "timeout";
  seconds: number;
  result?: BenchResult;
  rows: BenchResult["rows"];
}

let current: ChildProcess | undefined;
let interrupted = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    interrupted = true;
    if (!current) process.exit(130);
    // The bench tears down on SIGTERM; SIGKILL only if it does not within 30 s.
    const child = current;
    killGroup(child, "SIGTERM");
    setTimeout(() => killGroup(child, "SIGKILL"), 30_000).unref();
  });
}

function runOne(name: string, forwarded: readonly string[]): Promise<Outcome> {
  const file = path.join(BENCH_DIR, `${name}.ts`);
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const started = Date.now();
  const limitMs = (TIMEOUT_MINUTES[name] ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
  return new Promise((resolve) => {
    // Own process group, so a timeout can end the bench and whatever it spawned.
    const child = spawn(existsSync(tsx) ? tsx : "npx", existsSync(tsx) ? [file, ...forwarded] : ["tsx", file, ...forwarded], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    current = child;
    let stdout = "";
    let timedOut = false;
    child.stdout?.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      // The machine-readable line is for this script, not for the reader.
      process.stdout.write(
        text
          .split("\n")
          .filter((l) => !l.startsWith("BENCH_RESULT "))
          .join("\n"),
      );
    });
    const timer = setTimeout(() => {
      timedOut = true;
      console.error(`\n[bench] ${name} exceeded ${limitMs / 60_000} min: stopping it`);
      killGroup(child, "SIGTERM");
      setTimeout(() => killGroup(child, "SIGKILL"), 30_000).unref();
    }, limitMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      current = undefined;
      const result = parseResult(stdout);
      const status = timedOut ? "timeout" : code === 0 ? "ok" : "failed";
      resolve({ name, status, seconds: (Date.now() - started) / 1000, result, rows: result?.rows ?? (status === "ok" ? fallbackRows(name, stdout) : []) });
    });
  });
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const all = available();
  if (argv.includes("--list")) {
    console.log(all.map((n) => (SUITE.includes(n) ? n : `${n} (only when named)`)).join("\n"));
    return;
  }
  const selected = argv.filter((a) => all.includes(a));
  const unknown = argv.filter((a) => !a.startsWith("-") && !all.includes(a) && !/^\d/.test(a));
  const forwarded = argv.filter((a) => !all.includes(a));
  if (unknown.length > 0 && selected.length === 0) {
    console.error(`unknown bench: ${unknown.join(", ")}; available: ${all.join(", ")}`);
    process.exitCode = 2;
    return;
  }
  const names = selected.length > 0 ? selected : SUITE.filter((n) => all.includes(n));
  const outcomes: Outcome[] = [];
  for (const name of names) {
    if (interrupted) break;
    console.log(`\n=== bench ${name} (${loadLine()}) ===`);
    outcomes.push(await runOne(name, forwarded));
  }

  const rows: string[][] = [["bench", "measure", "figure", "note"]];
  for (const o of outcomes) {
    if (o.rows.length === 0) rows.push([o.name, o.status === "ok" ? "(no figures)" : o.status.toUpperCase(), "", `${o.seconds.toFixed(0)} s`]);
    o.rows.forEach(([measure, figure, note], i) => rows.push([i === 0 ? o.name : "", measure, figure, note]));
    if (o.status !== "ok" && o.rows.length > 0) rows.push(["", o.status.toUpperCase(), "", ""]);
  }
  console.log(`\n=== summary (${loadLine()}; numbers are indicative on a shared machine) ===`);
  console.log(formatTable(rows, [0, 1, 3]));
  if (outcomes.some((o) => o.status !== "ok") || interrupted) process.exitCode = 1;
}

await main();
