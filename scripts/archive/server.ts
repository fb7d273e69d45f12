/**
 * Starts the archive as a real Next.js production server in a child process, for e2e tests,
 * benchmarks and the demo. The app must have been built (`next build`); `ensureBuilt()` builds it
 * when there is no build yet.
 *
 *   const archive = await startArchiveServer({ env: { DATA_DIR: dir, ARCHIVE_SERVER_NAME: "localhost:8448" } });
 *   await fetch(`${archive.url}/healthz`);
 *   await archive.stop();
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");

export interface ArchiveServerOptions {
  /** Environment of the archive (see lib/env.ts); merged over a minimal base. */
  env?: Record<string, string>;
  /** Port for plain HTTP on 127.0.0.1; a free one when absent. */
  port?: number;
  /** Where the server's stdout and stderr go (a file); inherited when absent. */
  logFile?: string;
  /** Longest wait for the server to answer /healthz. */
  readyTimeoutMs?: number;
}

export interface ArchiveServer {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
  /** SIGKILL: a crash, no graceful shutdown. */
  kill(): Promise<void>;
}

// What a production build is made from: a newer file in any of these makes the build stale.
const BUILD_INPUTS = ["app", "components", "lib", "public", "proxy.ts", "instrumentation.ts", "next.config.js", "postcss.config.mjs"];

function newestMtime(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(file)) {
    if (entry === "generated" || entry.endsWith(".test.ts")) continue;
    newest = Math.max(newest, newestMtime(path.join(file, entry)));
  }
  return newest;
}

/** Builds the app when there is no build or its sources are newer (serialised with other builds). */
export function ensureBuilt(): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  const newest = Math.max(...BUILD_INPUTS.map((f) => newestMtime(path.join(ROOT, f))));
  if (existsSync(buildId) && statSync(buildId).mtimeMs > newest) return;
  const result = spawnSync("flock", ["/tmp/matrix-archive-next-build.lock", process.execPath, NEXT_BIN, "build"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...baseEnv(), NODE_ENV: "production" },
    timeout: 15 * 60_000,
  });
  if (result.status !== 0) throw new Error(`next build failed with status ${result.status}`);
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
  const env: Record<string, string> = { NEXT_TELEMETRY_DISABLED: "1" };
  for (const k of keep) if (process.env[k]) env[k] = process.env[k]!;
  return env;
}

export async function startArchiveServer(opts: ArchiveServerOptions = {}): Promise<ArchiveServer> {
  ensureBuilt();
  const port = opts.port ?? (await freeTcpPort());
  const child = spawn(process.execPath, [NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env: { ...baseEnv(), NODE_ENV: "production", ...opts.env },
    stdio: opts.logFile ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  if (opts.logFile) {
    const log = createWriteStream(opts.logFile, { flags: "a" });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.once("exit", () => (exited = true));
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);

  const exitedPromise = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    process.off("exit", onExit);
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const kill = async () => {
    process.off("exit", onExit);
    if (!exited) child.kill("SIGKILL");
    await exitedPromise;
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (let attempt = 0; Date.now() < deadline && attempt < 600; attempt++) {
    if (exited) break;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return { url, port, process: child, stop, kill };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const tail = opts.logFile && existsSync(opts.logFile) ? readFileSync(opts.logFile, "utf8").split("\n").slice(-30).join("\n") : "";
  throw new Error(`the archive server did not become ready at ${url}${exited ? " (it exited)" : ""}\n${tail}`);
}
