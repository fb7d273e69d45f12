// A bench's teardown: what it started is stopped in reverse order once, whether the bench ends,
// is interrupted (SIGINT/SIGTERM, exit 130) or runs past its deadline (exit 124), so a bench never
// leaves homeservers, archives or scratch folders behind.

export interface Teardown {
  /** Registers something to undo; undone last-registered first. */
  add(fn: () => Promise<void> | void): void;
  /** Undoes everything registered (once; later calls wait for the first). */
  run(): Promise<void>;
}

export function benchTeardown(name: string, deadlineMs: number): Teardown {
  const cleanups: Array<() => Promise<void> | void> = [];
  let cleaning: Promise<void> | undefined;
  const run = (): Promise<void> => {
    cleaning ??= (async () => {
      clearTimeout(watchdog);
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch (err) {
          console.error(`cleanup: ${(err as Error).message}`);
        }
      }
    })();
    return cleaning;
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`[${name}] ${signal}: tearing down`);
      void run().finally(() => process.exit(130));
    });
  }
  const watchdog = setTimeout(() => {
    console.error(`[${name}] over the ${deadlineMs / 60_000} min deadline: tearing down`);
    void run().finally(() => process.exit(124));
  }, deadlineMs);
  watchdog.unref();
  return { add: (fn) => void cleanups.push(fn), run };
}
