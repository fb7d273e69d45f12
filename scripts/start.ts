// `npm start -- [--role all|web|worker] [next start options]`: runs the archive.
//   all     (default) pages, federation and background jobs in one process: the only role
//           embedded PGlite allows, and what the demo runs;
//   web     pages and federation requests, no jobs (needs DATABASE_URL);
//   worker  background jobs only, no HTTP (needs DATABASE_URL).
// Any number of web and worker processes may share one Postgres (docs/jobs.md). The role can
// also come from ARCHIVE_ROLE; --role wins.
import { spawn } from "node:child_process";
import path from "node:path";

const ROLES = ["all", "web", "worker"] as const;
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
  // next start runs instrumentation.ts, which starts the jobs too when the role is all.
  const next = path.join(import.meta.dirname, "..", "node_modules", "next", "dist", "bin", "next");
  const child = spawn(process.execPath, [next, "start", ...rest], { stdio: "inherit", env: process.env });
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
