import type { OperatorMessage } from "@/lib/archive/operator-commands";

// How the CLI shows what a command says: on a terminal a progress message redraws one line (a
// bar, the share done and an ETA from the rate so far); elsewhere (a pipe, a log, CI) it prints
// a plain line now and then, so logs stay readable.

export interface Output {
  isTTY: boolean;
  write(text: string): void;
  /** Terminal width in columns, when known. */
  columns?: number;
}

const PLAIN_EVERY_MS = 10_000;

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

export function createRenderer(out: Output, now: () => number = Date.now) {
  let first: { at: number; fraction: number } | undefined;
  let lastPlain = -Infinity;
  let lastPlainFraction = -1;
  let onProgressLine = false;

  const endProgressLine = () => {
    if (onProgressLine) out.write("\n");
    onProgressLine = false;
  };

  return {
    render(message: OperatorMessage): void {
      if (message.type === "progress") {
        const t = now();
        const fraction = message.fraction;
        if (fraction !== null && !first) first = { at: t, fraction };
        const rate = first && fraction !== null && t > first.at ? (fraction - first.fraction) / ((t - first.at) / 1000) : 0;
        const eta = fraction !== null && fraction >= 1 ? "0s" : fraction !== null && rate > 0 ? formatEta((1 - fraction) / rate) : "?";
        const percent = fraction === null ? "  ?%" : `${String(Math.floor(fraction * 100)).padStart(3)}%`;
        const tail = `${percent} ${message.events} events held, ${message.stored} fetched, ETA ${eta}`;
        if (out.isTTY) {
          const width = Math.max(10, Math.min(40, (out.columns ?? 80) - tail.length - message.label.length - 4));
          out.write(`\r${message.label} ${progressBar(fraction ?? 0, width)} ${tail}\x1b[K`);
          onProgressLine = true;
        } else if (t - lastPlain >= PLAIN_EVERY_MS || (fraction !== null && fraction - lastPlainFraction >= 0.1)) {
          out.write(`${message.label}: ${tail}\n`);
          lastPlain = t;
          lastPlainFraction = fraction ?? lastPlainFraction;
        }
        return;
      }
      endProgressLine();
      if (message.type === "json") out.write(`${JSON.stringify(message.value, null, 2)}\n`);
      else if (message.type === "error") out.write(`error: ${message.text}\n`);
      else out.write(`${message.text}\n`);
    },
    end: endProgressLine,
  };
}
