import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

// One bounded wrk run against a loopback URL (or a rotation of URLs through a Lua script).

export interface WrkOptions {
  urls: readonly string[];
  connections: number;
  threads: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Folder for the Lua script when several URLs rotate. */
  scratchDir: string;
}

export interface WrkResult {
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Non-2xx/3xx responses plus socket errors: a run with any is reported, not trusted. */
  errors: number;
  raw: string;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === "us" ? n / 1000 : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : n;
}

function parseWrk(output: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? Number.NaN);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    return m?.[1] && m[2] ? toMs(m[1], m[2]) : Number.NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return { requests, requestsPerSecond: rps, latencyP50Ms: pct("50"), latencyP99Ms: pct("99"), errors: non2xx + socketErrors, raw: output };
}

export async function runWrk(opts: WrkOptions): Promise<WrkResult> {
  const first = opts.urls[0];
  if (!first) throw new Error("wrk needs a URL");
  const args = ["-t", String(opts.threads), "-c", String(opts.connections), "-d", `${opts.durationSeconds}s`, "--timeout", "10s", "--latency"];
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push("-H", `${k}: ${v}`);
  if (opts.urls.length > 1) {
    // Request paths in turn, so one run covers every page of the day.
    const paths = opts.urls.map((u) => new URL(u)).map((u) => JSON.stringify(u.pathname + u.search));
    const script = path.join(opts.scratchDir, `wrk-rotate-${process.pid}-${Date.now()}.lua`);
    writeFileSync(
      script,
      `local paths = {${paths.join(", ")}}\nlocal i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(nil, paths[i])\nend\n`,
    );
    args.push("-s", script);
  }
  args.push(first);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    // wrk stops itself after the duration; this only guards against a hang.
    const guard = setTimeout(() => child.kill("SIGKILL"), (opts.durationSeconds + 30) * 1000);
    child.once("error", (err) => (clearTimeout(guard), reject(err)));
    child.once("exit", (code) => (clearTimeout(guard), code === 0 ? resolve(out) : reject(new Error(`wrk exited with ${code}: ${out.slice(-1000)}`))));
  });
  return parseWrk(output);
}
