import { getEnv } from "@/lib/env";
import { FederationHttpError } from "@/lib/federation/client/request";

// Per-destination backoff, on the schedule homeservers use for destinations that fail: a server
// that did not answer (or answered 5xx or 429) is skipped for FEDERATION_BACKOFF_MIN_SECONDS,
// then twice as long after each further failure (with jitter, so that many rooms' jobs do not
// come back in step), up to FEDERATION_BACKOFF_MAX_SECONDS. Any answer, or any signed request
// from that server, ends its backoff: it is evidently up again. A clear 4xx answer is not a
// failure of the server: it understood and refused, and asking it something else may help.
//
// Kept per process: a worker that never talked to a server has no reason to avoid it, and the
// first failure costs one connection timeout.

const MAX_TRACKED = 10_000;

interface Backoff {
  until: number;
  intervalMs: number;
  failures: number;
}

const destinations = new Map<string, Backoff>();

/** Whether an error says the destination is down or overloaded, rather than that it refused. */
export function isDestinationFailure(err: unknown): boolean {
  if (err instanceof FederationHttpError) return err.status >= 500 || err.status === 429;
  return true;
}

/** Whether `server` is backing off at `now`. */
export function backingOff(server: string, now = Date.now()): boolean {
  const b = destinations.get(server);
  return b !== undefined && b.until > now;
}

/** Records a failed request to `server`; returns how long it is now avoided (ms). */
export function destinationFailed(server: string, now = Date.now(), random: () => number = Math.random): number {
  const env = getEnv();
  const min = env.FEDERATION_BACKOFF_MIN_SECONDS * 1000;
  const max = env.FEDERATION_BACKOFF_MAX_SECONDS * 1000;
  if (destinations.size >= MAX_TRACKED) for (const [s, b] of destinations) if (b.until <= now) destinations.delete(s);
  const previous = destinations.get(server);
  // A failure while already backing off (a caller that asked anyway) does not double again.
  if (previous && previous.until > now) return previous.until - now;
  const base = previous ? Math.min(previous.intervalMs * 2, max) : min;
  const intervalMs = Math.min(Math.round(base * (0.8 + 0.4 * random())), max);
  destinations.set(server, { until: now + intervalMs, intervalMs, failures: (previous?.failures ?? 0) + 1 });
  return intervalMs;
}

/** `server` answered (or sent us a signed request): it is up. */
export function destinationUp(server: string): void {
  destinations.delete(server);
}

/** Forgets every destination's backoff (tests). */
export function resetDestinationBackoff(): void {
  destinations.clear();
}
