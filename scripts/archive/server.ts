/**
 * Starts the archive in a child process (`.next/archive/start.mjs`, bundled from scripts/start.ts, as `npm start` does), for
 * e2e tests, benchmarks and the demo: as the production server, the archive's front server with
 * Next.js behind it (role `all`, the default, or `web`), or as a worker that runs jobs and serves
 * no HTTP (role `worker`, ready once it logs that the worker started). The app must have been
 * built (`next build`); `ensureBuilt()` builds it when there is no build yet.
 *
 *   const archive = await startArchiveServer({ env: { DATA_DIR: dir, ARCHIVE_SERVER_NAME: "localhost:8448" } });
 *   await fetch(`${archive.url}/healthz`);
 *   await archive.stop();
 *   const worker = await startArchiveServer({ role: "worker", env: { DATABASE_URL: url, ... } });
 *   await worker.kill();
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { SERVER_NODE_FLAGS } from "./node-flags";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
const SERVER_BUNDLE = path.join(ROOT, ".next", "archive", "start.mjs");
const TSX_BIN = path.join(ROOT, "node_modules", ".bin", "tsx");

/** What a process of the archive does (scripts/start.ts): pages, federation and jobs, or a part. */
export type ArchiveRole = "all" | "web" | "worker";

export interface ArchiveServerOptions {
  /** `all` (default) or `web` (no jobs; needs DATABASE_URL), or `worker` (no HTTP). */
  role?: ArchiveRole;
  /** Environment of the archive (see lib/env.ts); merged over a minimal base. */
  env?: Record<string, string>;
  /** Port for plain HTTP on 127.0.0.1; a free one when absent (not for workers). */
  port?: number;
  /** Where the server's stdout and stderr go (a file); inherited when absent. */
  logFile?: string;
  /** Longest wait for the server to answer /healthz (a worker: to log that it started). */
  readyTimeoutMs?: number;
}

/** One process of the archive. Signals go to its whole process group (with the children it started). */
export interface ArchiveProcess {
  role: ArchiveRole;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL: a crash, no graceful shutdown. */
  kill(): Promise<void>;
  /** SIGSTOP: the process holds what it holds (connections, running jobs) and does nothing. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

export interface ArchiveServer extends ArchiveProcess {
  url: string;
  port: number;
}

// What a production build is made from: a newer file in any of these makes the build stale.
const BUILD_INPUTS = ["app", "components", "lib", "public", "proxy.ts", "instrumentation.ts", "next.config.js", "postcss.config.mjs"];
// What the server bundle (scripts/build-server.mjs) is made from.
const BUNDLE_INPUTS = ["lib", "scripts/start.ts", "scripts/build-server.mjs"];

function newestMtime(file: string, skip: (file: string) => boolean = () => false): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(file)) {
    const child = path.join(file, entry);
    if (entry === "generated" || entry.endsWith(".test.ts") || skip(child)) continue;
    newest = Math.max(newest, newestMtime(child, skip));
  }
  return newest;
}

function isStale(output: string, inputs: string[], skip?: (file: string) => boolean): boolean {
  const newest = Math.max(...inputs.map((f) => newestMtime(path.join(ROOT, f), skip)));
  return !existsSync(output) || statSync(output).mtimeMs <= newest;
}

function buildStep(what: string, args: string[]): void {
  const result = spawnSync("flock", ["/tmp/matrix-archive-next-build.lock", process.execPath, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...baseEnv(), NODE_ENV: "production" },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) throw new Error(`${what} failed with status ${result.status}`);
}

/**
 * Builds what `npm start` runs when it is missing or its sources are newer (serialised with
 * other builds): Next.js's build, and the server bundle (`npm run build` makes both).
 */
export function ensureBuilt(): void {
  // lib/front is the front server, part of the server bundle, not of Next.js's build.
  if (isStale(path.join(ROOT, ".next", "BUILD_ID"), BUILD_INPUTS, (file) => file === path.join(ROOT, "lib", "front")))
    buildStep("next build", [NEXT_BIN, "build"]);
  if (isStale(SERVER_BUNDLE, BUNDLE_INPUTS)) buildStep("the server bundle", [path.join(ROOT, "scripts", "build-server.mjs")]);
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function baseEnv(): Record<string, string> {
  // The child gets PATH and HOME but none of this process's archive settings by accident.
  const keep = ["PATH", "HOME", "TMPDIR", "LANG", "TZ"];
  const env: Record<string, string> = {
    NEXT_TELEMETRY_DISABLED: "1",
    // Every reader of a spec, a benchmark or the demo is 127.0.0.1: one client whose per-client
    // limits (docs/limits.md) would throttle the whole run. Specs of those limits set their own.
    GAP_FILLS_PER_CLIENT_PER_MINUTE: "100000",
    DAY_FILLS_PER_CLIENT_PER_MINUTE: "100000",
    MEDIA_FETCHES_PER_CLIENT_PER_MINUTE: "100000",
  };
  for (const k of keep) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

/** What a worker logs once it runs jobs (lib/worker/start-worker.ts). */
const WORKER_READY = /"msg":"worker started"/;

export function startArchiveServer(opts: ArchiveServerOptions & { role: "worker" }): Promise<ArchiveProcess>;
export function startArchiveServer(opts?: ArchiveServerOptions & { role?: "all" | "web" }): Promise<ArchiveServer>;
export async function startArchiveServer(opts: ArchiveServerOptions = {}): Promise<ArchiveProcess | ArchiveServer> {
  const role = opts.role ?? "all";
  if (role === "worker" && opts.port !== undefined) throw new Error("a worker serves no HTTP: no port");
  ensureBuilt();
  const port = role === "worker" ? undefined : (opts.port ?? (await freeTcpPort()));
  const args = [...SERVER_NODE_FLAGS, SERVER_BUNDLE, "--role", role, ...(port === undefined ? [] : ["-H", "127.0.0.1", "-p", String(port)])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...baseEnv(), NODE_ENV: "production", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so that a signal reaches the processes it starts as well.
    detached: true,
  });
  // The log's folder may not exist yet (the demo's .data on a fresh clone).
  if (opts.logFile) mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: "a" }) : undefined;
  child.stdout?.pipe(log ?? process.stdout, { end: false });
  child.stderr?.pipe(log ?? process.stderr, { end: false });
  // A worker is ready when it says so; only the last bytes are kept to find the line in.
  let started = false;
  let recent = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    recent = (recent + chunk.toString("utf8")).slice(-4096);
    started ||= WORKER_READY.test(recent);
  });
  let exited = false;
  child.once("exit", () => (exited = true));
  const signal = (sig: NodeJS.Signals) => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is gone already
    }
  };
  const onExit = () => signal("SIGKILL");
  process.once("exit", onExit);

  const exitedPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    process.off("exit", onExit);
    if (exited) return;
    signal("SIGCONT");
    signal("SIGTERM");
    const timer = setTimeout(() => signal("SIGKILL"), role === "worker" ? 15_000 : 5_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const kill = async () => {
    process.off("exit", onExit);
    signal("SIGKILL");
    await exitedPromise;
  };
  const handle: ArchiveProcess = { role, process: child, stop, kill, pause: () => signal("SIGSTOP"), resume: () => signal("SIGCONT") };

  const url = port === undefined ? undefined : `http://127.0.0.1:${port}`;
  const ready = async () => {
    if (!url) return started;
    try {
      return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false; // not listening yet
    }
  };
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; Date.now() < deadline && attempt <= timeoutMs / 100; attempt++) {
    if (exited) break;
    if (await ready()) return url && port !== undefined ? { ...handle, url, port } : handle;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const tail = opts.logFile && existsSync(opts.logFile) ? readFileSync(opts.logFile, "utf8").split("\n").slice(-30).join("\n") : "";
  const what = url ? `the archive server did not become ready at ${url}` : "the archive worker did not start";
  throw new Error(`${what}${exited ? " (it exited)" : ""}\n${tail}`);
}

export interface CliResult {
  /** Exit status (null when the CLI was killed for taking too long). */
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the operator CLI (`npm run archive -- …`, cli/archive.ts) with an archive's environment,
 * as an operator on the same machine would: it reads DATABASE_URL or DATA_DIR like the server.
 */
export async function runArchiveCli(args: readonly string[], opts: { env: Record<string, string>; timeoutMs?: number }): Promise<CliResult> {
  const child = spawn(TSX_BIN, [path.join(ROOT, "cli", "archive.ts"), ...args], {
    cwd: ROOT,
    env: { ...baseEnv(), NODE_ENV: "production", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => out.push(c));
  child.stderr?.on("data", (c: Buffer) => err.push(c));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  }, opts.timeoutMs ?? 120_000);
  const status = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  }).finally(() => clearTimeout(timer));
  return { status: timedOut ? null : status, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
