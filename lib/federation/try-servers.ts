import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { serverDenied } from "@/lib/federation/policy";
import { logger } from "@/lib/log";

// Trying a room's servers in turn, as a homeserver walks its destination list: skip our own
// server and denied ones, skip servers that failed recently (per-server backoff), move on after
// an error or an answer that did not help, and stop at the first useful answer or the deadline.

const MIN_BACKOFF_MS = 5_000;
const MAX_BACKOFF_MS = 10 * 60_000;
const MAX_TRACKED = 10_000;

const backoff = new Map<string, { until: number; delay: number }>();

function backingOff(server: string, now: number): boolean {
  const b = backoff.get(server);
  return b !== undefined && b.until > now;
}

function failed(server: string): void {
  if (backoff.size >= MAX_TRACKED) for (const [s, b] of backoff) if (b.until <= Date.now()) backoff.delete(s);
  const delay = Math.min((backoff.get(server)?.delay ?? MIN_BACKOFF_MS / 2) * 2, MAX_BACKOFF_MS);
  backoff.set(server, { until: Date.now() + delay, delay });
}

function succeeded(server: string): void {
  backoff.delete(server);
}

export interface TryServersOptions<T> {
  /** Why the servers are asked, for logs. */
  what: string;
  roomId: string;
  /** No attempt starts after this time (ms since the epoch). */
  deadline?: number;
  /** Whether an answer helped; an unhelpful one moves on to the next server (default: any answer helps). */
  useful?: (value: T) => boolean;
  /** Ask servers that are backing off too when every server is (default true: better a late answer than none). */
  retryBackedOff?: boolean;
}

export interface ServerAnswer<T> {
  server: string;
  value: T;
}

/**
 * Asks `servers` one after the other until one gives a useful answer. Returns it with the server
 * that gave it, or the last unhelpful answer, or undefined when none answered.
 */
export async function tryServers<T>(
  servers: readonly string[],
  attempt: (server: string) => Promise<T>,
  options: TryServersOptions<T>,
): Promise<ServerAnswer<T> | undefined> {
  const own = getOwnServerName();
  const candidates = [...new Set(servers)].filter((s) => s !== own && !serverDenied(s));
  const now = Date.now();
  const ready = candidates.filter((s) => !backingOff(s, now));
  const order = ready.length > 0 || options.retryBackedOff === false ? ready : candidates;
  let fallback: ServerAnswer<T> | undefined;
  for (const server of order) {
    if (options.deadline !== undefined && Date.now() > options.deadline) break;
    try {
      const value = await attempt(server);
      succeeded(server);
      if (!options.useful || options.useful(value)) return { server, value };
      fallback = { server, value };
      logger.info({ roomId: options.roomId, server, what: options.what }, "answer did not help; trying another server");
    } catch (err) {
      failed(server);
      logger.warn({ roomId: options.roomId, server, what: options.what, err: (err as Error).message }, "request failed; trying another server");
    }
  }
  return fallback;
}

/** Forgets every server's backoff (tests). */
export function resetServerBackoff(): void {
  backoff.clear();
}
