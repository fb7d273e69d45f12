import { open } from "node:fs/promises";

export class TestbedError extends Error {}

/** Last `lines` lines of a log file, or a note saying why there are none. */
export async function tailFile(file: string, lines = 40): Promise<string> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return `(no log at ${file})`;
  }
  try {
    // Logs can grow large over a long bench; reading only the end keeps error paths cheap.
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(length);
    await handle.read(buf, 0, length, size - length);
    const text = buf.toString("utf8").split("\n");
    return (
      text
        .slice(-lines - 1)
        .join("\n")
        .trimEnd() || "(log is empty)"
    );
  } finally {
    await handle.close();
  }
}

export async function describeLogs(files: readonly string[], lines = 40): Promise<string> {
  const parts = await Promise.all(files.map(async (f) => `--- last lines of ${f} ---\n${await tailFile(f, lines)}`));
  return parts.join("\n");
}

export interface WaitOptions {
  /** What is awaited, for the error message ("hs1 /health to answer 200"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Upper bound on probes besides the time bound; defaults to what the timeout allows. */
  maxAttempts?: number;
  /** Logs whose tails are put in the error when the wait fails. */
  logFiles?: readonly string[];
  /** Stops the wait early with this error (e.g. the process being waited on has exited). */
  abort?: () => string | undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns a value other than undefined/null/false, bounded in time and in
 * attempts. Probe errors count as "not yet" and the last one is reported on timeout, because a
 * server that is still starting answers with connection errors.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, opts: WaitOptions): Promise<T> {
  const interval = opts.intervalMs ?? 100;
  const maxAttempts = opts.maxAttempts ?? Math.ceil(opts.timeoutMs / interval) + 1;
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  let attempts = 0;
  let aborted: string | undefined;
  while (attempts < maxAttempts) {
    attempts++;
    aborted = opts.abort?.();
    if (aborted) break;
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await delay(Math.min(interval, left));
  }
  const reason = aborted ?? `not done after ${attempts} attempts in ${opts.timeoutMs} ms`;
  const last = lastError instanceof Error ? `\nlast error: ${lastError.message}` : "";
  const logs = opts.logFiles?.length ? `\n${await describeLogs(opts.logFiles)}` : "";
  throw new TestbedError(`${aborted ? "Gave up" : "Timed out"} waiting for ${opts.what}: ${reason}${last}${logs}`);
}
