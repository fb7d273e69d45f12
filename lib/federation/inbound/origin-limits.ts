import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { getEnv } from "@/lib/env";
import { InboundError } from "@/lib/federation/inbound/http";
import { rateCounter } from "@/lib/http/rate-counter";

// Per-origin limits on authenticated federation requests, in the spirit of Synapse's
// rc_federation (docs/limits.md): within each window an origin's first `sleepLimit` requests
// run at once, the next ones are delayed by `sleepDelayMs`, and past `rejectLimit` they are
// refused with 429 M_LIMIT_EXCEEDED and `retry_after_ms`; at most `concurrent` requests of one
// origin run at a time and the rest wait their turn. One busy or hostile origin is slowed and
// then refused; every other origin keeps its own budget.
//
// The counting is rate-limiter-flexible's (a fixed-window counter per key, with the time until
// the window ends, with expiry of idle keys), a well-kept library instead of our own bookkeeping
// of timestamps; in the database when several instances share a Postgres server
// (lib/http/rate-counter.ts), so an origin's budget holds across all of them. The concurrency
// queue is a few lines of our own (per process: it bounds this process's work), since the
// library limits rates, not requests in flight.

export interface OriginLimitSettings {
  windowMs: number;
  sleepLimit: number;
  sleepDelayMs: number;
  rejectLimit: number;
  concurrent: number;
}

interface Slots {
  running: number;
  waiting: (() => void)[];
}

export class OriginLimiter {
  private readonly counter: RateLimiterAbstract;
  private readonly slots = new Map<string, Slots>();

  constructor(
    readonly settings: OriginLimitSettings,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    counter: RateLimiterAbstract = rateCounter({ keyPrefix: "federation-origin", points: settings.rejectLimit, durationSeconds: settings.windowMs / 1000 }),
  ) {
    this.counter = counter;
  }

  /** Runs `fn` for `origin` within its limits, or throws InboundError 429 when it is over them. */
  async run<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    let counted: RateLimiterRes;
    try {
      counted = await this.counter.consume(origin);
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      throw new InboundError(429, "M_LIMIT_EXCEEDED", `too many requests from ${origin}`, { retry_after_ms: Math.max(1, rejected.msBeforeNext) });
    }
    if (counted.consumedPoints > this.settings.sleepLimit) await this.sleep(this.settings.sleepDelayMs);
    await this.acquire(origin);
    try {
      return await fn();
    } finally {
      this.release(origin);
    }
  }

  /** Requests of `origin` running now (tests). */
  running(origin: string): number {
    return this.slots.get(origin)?.running ?? 0;
  }

  private async acquire(origin: string): Promise<void> {
    let slots = this.slots.get(origin);
    if (!slots) {
      slots = { running: 0, waiting: [] };
      this.slots.set(origin, slots);
    }
    if (slots.running < this.settings.concurrent) {
      slots.running++;
      return;
    }
    // release() hands its slot straight to the first waiter, so `running` never drops in between.
    await new Promise<void>((resolve) => slots.waiting.push(resolve));
  }

  private release(origin: string): void {
    const slots = this.slots.get(origin);
    if (!slots) return;
    const next = slots.waiting.shift();
    if (next) return next();
    slots.running--;
    if (slots.running === 0) this.slots.delete(origin);
  }
}

let shared: OriginLimiter | undefined;

/** The process's limiter, from the FEDERATION_RC_* settings. */
export function federationOriginLimiter(): OriginLimiter {
  const env = getEnv();
  shared ??= new OriginLimiter({
    windowMs: env.FEDERATION_RC_WINDOW_MS,
    sleepLimit: env.FEDERATION_RC_SLEEP_LIMIT,
    sleepDelayMs: env.FEDERATION_RC_SLEEP_DELAY_MS,
    rejectLimit: env.FEDERATION_RC_REJECT_LIMIT,
    concurrent: env.FEDERATION_RC_CONCURRENT,
  });
  return shared;
}
