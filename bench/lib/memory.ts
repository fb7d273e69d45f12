import { readdirSync, readFileSync, writeFileSync } from "node:fs";

// Peak memory of a process and its descendants, by polling /proc. `next start` may run the
// server in a child of the CLI process, so the whole tree is summed. VmHWM (the kernel's own
// peak) of each process is read too; it is reset per phase by writing 5 to clear_refs, so a
// short spike between two polls is not missed.

export interface MemoryPhase {
  /** Largest sum of VmRSS over the tree seen by a poll. */
  peakTreeRss: number;
  /** Sum of the processes' VmHWM at the end of the phase (peaks need not coincide: an upper bound). */
  hwmSum: number;
  samples: number;
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // the process is gone
  }
}

/** pid and every descendant, from /proc/<pid>/stat's ppid field. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // comm may hold spaces and parentheses: the fields after the last ')' are fixed.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited while listing
    }
  }
  const out: number[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const pid = queue[i]!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

export class MemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private treeTimer: NodeJS.Timeout | undefined;
  private tree: number[] = [];
  private peak = 0;
  private samples = 0;

  constructor(
    private readonly root: number,
    private readonly intervalMs = 100,
  ) {}

  /** Starts (or restarts) a phase: resets the peaks. */
  start(): void {
    this.stop();
    this.tree = processTree(this.root);
    for (const pid of this.tree) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        // older kernels or another owner: VmHWM then covers the process's whole life
      }
    }
    this.peak = 0;
    this.samples = 0;
    this.poll();
    this.timer = setInterval(() => this.poll(), this.intervalMs);
    // Rescanning /proc costs more than a poll: once a second finds new children soon enough.
    this.treeTimer = setInterval(() => (this.tree = processTree(this.root)), 1_000);
    this.timer.unref();
    this.treeTimer.unref();
  }

  private poll(): void {
    const sum = this.tree.reduce((n, pid) => n + statusKb(pid, "VmRSS"), 0);
    this.peak = Math.max(this.peak, sum);
    this.samples++;
  }

  /** Ends the phase and returns its peaks. */
  finish(): MemoryPhase {
    this.poll();
    this.stop();
    const hwmSum = this.tree.reduce((n, pid) => n + statusKb(pid, "VmHWM"), 0);
    return { peakTreeRss: Math.max(this.peak, 0), hwmSum, samples: this.samples };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.treeTimer) clearInterval(this.treeTimer);
    this.timer = undefined;
    this.treeTimer = undefined;
  }
}
