/**
 * The archive as the benchmarks run it: the production Next.js build, started with `next start`
 * in a child process whose pid the memory sampler watches.
 *
 * Other work shares this tree: uncommitted files come and go, and another `next build` may empty
 * `.next` under a running server. The benchmarks therefore build and run the last *committed*
 * state (git HEAD, plus the generated Prisma client) from their own copy (node_modules hard-linked),
 * rebuilt only when it changed, and the figures name that commit. The e2e fixture does the same
 * in another folder; sharing one would let a test's rebuild pull the build from under a bench.
 * bench/ and e2e/ are left out of the copy: the app never imports them, and committing a bench
 * must not cost a rebuild.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freeTcpPort, ROOT } from "../../scripts/archive/server";

export const BENCH_BUILD_DIR = path.join(os.tmpdir(), "matrix-archive-bench-build");
const STAGING = `${BENCH_BUILD_DIR}-staging`;

function minimalEnv(): NodeJS.ProcessEnv {
  // Not this process's environment: tsx's loader hooks and any archive settings must not leak in.
  return { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TMPDIR: os.tmpdir(), NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };
}

function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 15 * 60_000, env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${`${result.stdout}${result.stderr}`.slice(-3000)}`);
  return result.stdout;
}

/** The commit the bench build comes from (short hash). */
export function headCommit(): string {
  return run("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], ROOT).trim();
}

/** Copies git HEAD into BENCH_BUILD_DIR and runs `next build` there when anything changed. */
export function ensureBenchBuild(log: (line: string) => void = () => {}): string {
  rmSync(STAGING, { recursive: true, force: true });
  mkdirSync(STAGING, { recursive: true });
  mkdirSync(BENCH_BUILD_DIR, { recursive: true });
  run("sh", ["-c", `git -C "${ROOT}" archive HEAD | tar -x -C "${STAGING}"`], ROOT);
  run("rsync", ["-a", `${ROOT}/lib/generated/`, `${STAGING}/lib/generated/`], ROOT);
  const changes = run(
    "rsync",
    ["-a", "--delete", "-i", "--exclude=/node_modules", "--exclude=/.next", "--exclude=/.data", "--exclude=/.node-modules-stamp",
      "--exclude=/bench", "--exclude=/e2e", `${STAGING}/`, `${BENCH_BUILD_DIR}/`],
    ROOT,
  );
  rmSync(STAGING, { recursive: true, force: true });
  linkNodeModules();
  const changed = changes.split("\n").some((line) => /^[<>ch*]/.test(line) && !line.endsWith("/"));
  if (!changed && existsSync(path.join(BENCH_BUILD_DIR, ".next", "BUILD_ID"))) return BENCH_BUILD_DIR;
  const started = Date.now();
  log(`building the archive at ${headCommit()} (next build) in its bench copy…`);
  const env = { ...minimalEnv(), DATA_DIR: path.join(BENCH_BUILD_DIR, ".data") };
  // Pages that read the database while prerendering need a migrated (empty) one.
  run(process.execPath, [path.join(BENCH_BUILD_DIR, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/migrate.ts"], BENCH_BUILD_DIR, env);
  // A failed or killed build must not leave a BUILD_ID (or a lock) that the next run would trust.
  rmSync(path.join(BENCH_BUILD_DIR, ".next"), { recursive: true, force: true });
  run(process.execPath, [path.join(BENCH_BUILD_DIR, "node_modules", "next", "dist", "bin", "next"), "build"], BENCH_BUILD_DIR, env);
  log(`next build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return BENCH_BUILD_DIR;
}

/** Turbopack refuses a symlinked node_modules outside the project: hard links instead. */
function linkNodeModules(): void {
  const stamp = path.join(BENCH_BUILD_DIR, ".node-modules-stamp");
  const want = String(statSync(path.join(ROOT, "package-lock.json")).mtimeMs);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  rmSync(path.join(BENCH_BUILD_DIR, "node_modules"), { recursive: true, force: true });
  const cp = spawnSync("cp", ["-al", path.join(ROOT, "node_modules"), path.join(BENCH_BUILD_DIR, "node_modules")], { encoding: "utf8", timeout: 300_000 });
  if (cp.status !== 0) throw new Error(`linking node_modules failed: ${cp.stderr}`);
  writeFileSync(stamp, want);
}

export interface ArchiveProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

/** `next start` on 127.0.0.1:<port> from the bench build; ready when /healthz answers. */
export async function startArchiveProcess(opts: { buildDir: string; port?: number; env: Record<string, string>; logFile: string; readyTimeoutMs?: number }): Promise<ArchiveProcess> {
  const port = opts.port ?? (await freeTcpPort());
  const log = createWriteStream(opts.logFile, { flags: "a" });
  const child = spawn(process.execPath, [path.join(opts.buildDir, "node_modules", "next", "dist", "bin", "next"), "start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: opts.buildDir,
    env: { ...minimalEnv(), ...opts.env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())));
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  const stop = async () => {
    process.off("exit", onExit);
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await exitedPromise;
    clearTimeout(timer);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 90_000);
  for (let attempt = 0; attempt < 2_000 && Date.now() < deadline && !exited; attempt++) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return { url, port, pid: child.pid ?? 0, child, logFile: opts.logFile, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  const tail = existsSync(opts.logFile) ? readFileSync(opts.logFile, "utf8").split("\n").slice(-30).join("\n") : "";
  throw new Error(`the archive did not become ready at ${url}${exited ? " (it exited)" : ""}; ${opts.logFile}:\n${tail}`);
}
