import { execFile } from "node:child_process";
import { TestbedError } from "./wait";

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a short command to completion, bounded in time; the error carries its stderr tail. */
export function runCommand(file: string, args: readonly string[], opts: { timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: opts.timeoutMs, killSignal: "SIGKILL", cwd: opts.cwd, env: opts.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const tail = String(stderr).trim().split("\n").slice(-30).join("\n");
          const why = error.killed ? `killed after ${opts.timeoutMs} ms` : `exit code ${String(error.code)}`;
          reject(new TestbedError(`${file} ${args.join(" ")} failed (${why})\n${tail}`));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
