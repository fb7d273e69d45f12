// `npm start -- [--role all|web|worker] [-p port] [-H hostname]`: runs the archive.
//   all     (default) pages, federation and background jobs in one process: the only role
//           embedded PGlite allows, and what the demo runs;
//   web     pages and federation requests, no jobs (needs DATABASE_URL);
//   worker  background jobs only, no HTTP (needs DATABASE_URL).
// Any number of web and worker processes may share one Postgres (docs/jobs.md). The role can
// also come from ARCHIVE_ROLE; --role wins. The port defaults to PORT, then 3000; the server
// listens on every address unless -H names one (lib/front/server.ts). `npm run build` bundles
// this file into .next/archive/start.mjs (scripts/build-server.mjs), which `npm start` runs.
import { existsSync } from "node:fs";
import path from "node:path";

const ROLES = ["all", "web", "worker"] as const;

/** The folder holding Next.js's build (.next): this file runs from .next/archive/ (the bundle) or scripts/ (tsx). */
function projectDir(): string {
  for (let dir = import.meta.dirname, i = 0; i < 4; dir = path.dirname(dir), i++) if (existsSync(path.join(dir, ".next", "BUILD_ID"))) return dir;
  return path.resolve(import.meta.dirname, "..");
}
type Role = (typeof ROLES)[number];

function parseArgs(argv: string[]): { role: Role; rest: string[] } {
  const rest: string[] = [];
  let role = (process.env.ARCHIVE_ROLE ?? "all") as string;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--role") role = argv[++i] ?? "";
    else if (arg.startsWith("--role=")) role = arg.slice("--role=".length);
    else rest.push(arg);
  }
  if (!ROLES.includes(role as Role)) {
    console.error(`--role must be one of ${ROLES.join(", ")} (got "${role}")`);
    process.exit(2);
  }
  return { role: role as Role, rest };
}

/** `-p`/`--port` and `-H`/`--hostname`, as `next start` took them. */
function parseListen(argv: string[]): { port: number; hostname?: string } {
  let port = process.env.PORT ?? "3000";
  let hostname: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? "";
    if (name === "-p" || name === "--port") port = value();
    else if (name === "-H" || name === "--hostname") hostname = value();
    else {
      console.error(`unexpected argument ${arg} (options: --role, -p/--port, -H/--hostname)`);
      process.exit(2);
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
    console.error(`the port must be a number from 0 to 65535 (got "${port}")`);
    process.exit(2);
  }
  return { port: Number(port), hostname };
}

const { role, rest } = parseArgs(process.argv.slice(2));
process.env.ARCHIVE_ROLE = role;

if (role === "worker") {
  if (rest.length > 0) {
    console.error(`a worker serves no HTTP: unexpected arguments ${rest.join(" ")}`);
    process.exit(2);
  }
  const { startServer } = await import("@/lib/startup");
  const { logger } = await import("@/lib/log");
  await startServer();
  const stop = (signal: string) => {
    logger.info({ signal }, "worker stopping");
    // pg-boss hands back running jobs on a graceful stop; a second signal (or SIGKILL) does not wait.
    void import("@/lib/jobs/queue").then(async ({ getJobQueue }) => (await getJobQueue()).stop()).finally(() => process.exit(0));
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
} else {
  // Next.js's handler behind the archive's own front server; preparing it runs
  // instrumentation.ts, which starts the jobs too when the role is all.
  const { port, hostname } = parseListen(rest);
  // As `next start` did: the build is a production build, whatever the shell had.
  (process.env as Record<string, string | undefined>).NODE_ENV ??= "production";
  const { startFrontServer } = await import("@/lib/front/server");
  const server = await startFrontServer({ dir: projectDir(), port, hostname });
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
