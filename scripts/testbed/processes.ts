import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { onProcessExit } from "./cleanup";
import { TestbedError, describeLogs } from "./wait";

// Executed by python before exec'ing the real program: PR_SET_PDEATHSIG makes the kernel send
// SIGTERM to the child when this Node process dies, even by SIGKILL (when no exit hook can run).
// The flag survives execve. The getppid check closes the race where Node died before prctl.
const PDEATHSIG_LAUNCHER = [
  "import ctypes, os, signal, sys",
  "libc = ctypes.CDLL(None, use_errno=True)",
  "libc.prctl(1, signal.SIGTERM)",
  "sys.exit(1) if os.getppid() != int(sys.argv[1]) else os.execvp(sys.argv[2], sys.argv[2:])",
].join("\n");

export interface SpawnOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Python used to run the parent-death launcher (any python3). */
  python?: string;
}

/**
 * A long-running foreground server in its own process group, stdout and stderr appended to a log
 * file. stop() signals the whole group so helpers it forked (nginx workers) go too.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logFile: string;
  private child: ChildProcess;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;
  private readonly exited: Promise<void>;
  private readonly unregister: () => void;

  constructor(opts: SpawnOptions) {
    this.name = opts.name;
    this.logFile = opts.logFile;
    const out = openSync(opts.logFile, "a");
    try {
      this.child = spawn(opts.python ?? "python3", ["-c", PDEATHSIG_LAUNCHER, String(process.pid), opts.command, ...opts.args], {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        stdio: ["ignore", out, out],
        detached: true,
      });
    } finally {
      closeSync(out);
    }
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve();
      });
      this.child.once("error", (err) => {
        this.exitInfo = { code: null, signal: null };
        this.spawnError = err;
        resolve();
      });
    });
    // Not ref'd: a test that forgets stop() must not hang its worker; the exit hook kills it.
    this.child.unref();
    this.unregister = onProcessExit(() => this.killGroup("SIGKILL"));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined && this.child.pid !== undefined;
  }

  /** Why the process is gone, for errors raised while waiting on it; undefined while it runs. */
  exitReason(): string | undefined {
    if (this.spawnError) return `${this.name} could not be started: ${this.spawnError.message}`;
    if (!this.exitInfo) return undefined;
    const { code, signal } = this.exitInfo;
    return `${this.name} exited (${signal ? `signal ${signal}` : `code ${String(code)}`})`;
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  }

  /** SIGTERM to the group, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.running) {
      this.killGroup("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) {
        this.killGroup("SIGKILL");
        const killed = await Promise.race([
          this.exited.then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), 5_000);
          }),
        ]);
        clearTimeout(timer);
        if (!killed) {
          throw new TestbedError(`${this.name} (pid ${String(this.pid)}) survived SIGKILL for 5 s\n${await describeLogs([this.logFile])}`);
        }
      }
    }
    this.unregister();
  }
}
