import { existsSync } from "node:fs";
import path from "node:path";
import { runCommand } from "./command";
import { scriptsDir } from "./paths";

/**
 * Makes sure the pinned Synapse venv exists (scripts/install-synapse.sh does the work and the
 * locking) and returns its python. Fast when the stamp matches: one bash start.
 */
export async function ensureSynapse(): Promise<string> {
  const { stdout } = await runCommand("bash", [path.join(scriptsDir, "install-synapse.sh")], {
    // A cold install takes ~20 s; the lock may also make us wait for another process's install.
    timeoutMs: 15 * 60_000,
  });
  const python = stdout.trim().split("\n").pop() ?? "";
  if (!python || !existsSync(python)) {
    throw new Error(`install-synapse.sh did not print a usable python path (got ${JSON.stringify(stdout)})`);
  }
  return python;
}

const NGINX_CANDIDATES = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx"];

/** Installs nginx from Debian's packages when missing and returns its path. */
export async function ensureNginx(): Promise<string> {
  const found = () => NGINX_CANDIDATES.find((p) => existsSync(p));
  const before = found();
  if (before) return before;
  await runCommand("bash", [path.join(scriptsDir, "install-tls-front.sh")], { timeoutMs: 15 * 60_000 });
  const after = found();
  if (!after) throw new Error(`nginx not found in ${NGINX_CANDIDATES.join(", ")} after install-tls-front.sh`);
  return after;
}

let faketimeLib: Promise<string> | undefined;

/**
 * Environment that runs a process `offsetSeconds` away from the real clock through libfaketime
 * (installed on first use). Monotonic clocks move by the same constant, so timers keep working.
 */
export async function fakeClockEnv(offsetSeconds: number): Promise<Record<string, string>> {
  faketimeLib ??= runCommand("bash", [path.join(scriptsDir, "install-faketime.sh")], { timeoutMs: 15 * 60_000 }).then(
    ({ stdout }) => stdout.trim().split("\n").pop() ?? "",
  );
  const lib = await faketimeLib;
  if (!lib || !existsSync(lib)) throw new Error(`install-faketime.sh did not print a usable library path (got ${JSON.stringify(lib)})`);
  return { LD_PRELOAD: lib, FAKETIME: `${offsetSeconds >= 0 ? "+" : ""}${offsetSeconds}`, FAKETIME_DONT_RESET: "1" };
}
