// Last-resort teardown. Tests call bed.stop() in afterAll, but a crashed worker, a thrown setup
// or Ctrl-C in the demo must not leave Synapse or nginx running (they would hold ports and keep
// the next CI step waiting). Hooks here must be synchronous: 'exit' handlers cannot await.

type SyncHook = () => void;

const hooks = new Set<SyncHook>();
let installed = false;
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function runHooks(): void {
  for (const hook of [...hooks]) {
    try {
      hook();
    } catch {
      // One failing hook must not keep the others from killing their processes.
    }
  }
  hooks.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  // When the host (Playwright's worker, the demo's own handler) listens for this signal too, it
  // owns the shutdown policy: it will call bed.stop(), and the 'exit' hook catches the rest.
  if (process.listenerCount(signal) > 1) return;
  runHooks();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Re-raise so the process ends with the usual status for that signal.
  process.kill(process.pid, signal);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runHooks);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a synchronous teardown; returns a function that unregisters it. */
export function onProcessExit(hook: SyncHook): () => void {
  install();
  hooks.add(hook);
  return () => hooks.delete(hook);
}
