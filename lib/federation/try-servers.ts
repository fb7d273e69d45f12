import { backingOff, destinationFailed, destinationUp, isDestinationFailure } from "@/lib/federation/destination-backoff";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { serverDenied } from "@/lib/federation/policy";
import { logger } from "@/lib/log";

// Trying a room's servers in turn, as a homeserver walks its destination list: skip our own
// server and denied ones, skip servers that failed recently (per-server backoff), move on after
// an error or an answer that did not help, and stop at the first useful answer or the deadline.

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
 * The servers `tryServers` would ask, in its order: not our own, not denied, and not backing off
 * unless all are (with `retryBackedOff`, the default).
 */
export function askableServers(servers: readonly string[], retryBackedOff = true, now = Date.now()): string[] {
  const own = getOwnServerName();
  const candidates = [...new Set(servers)].filter((s) => s !== own && !serverDenied(s));
  const ready = candidates.filter((s) => !backingOff(s, now));
  return ready.length > 0 || !retryBackedOff ? ready : candidates;
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
  const order = askableServers(servers, options.retryBackedOff !== false);
  let fallback: ServerAnswer<T> | undefined;
  for (const server of order) {
    if (options.deadline !== undefined && Date.now() > options.deadline) break;
    try {
      const value = await attempt(server);
      destinationUp(server);
      if (!options.useful || options.useful(value)) return { server, value };
      fallback = { server, value };
      logger.info({ roomId: options.roomId, server, what: options.what }, "answer did not help; trying another server");
    } catch (err) {
      if (isDestinationFailure(err)) destinationFailed(server);
      else destinationUp(server);
      logger.warn({ roomId: options.roomId, server, what: options.what, err: (err as Error).message }, "request failed; trying another server");
    }
  }
  return fallback;
}
