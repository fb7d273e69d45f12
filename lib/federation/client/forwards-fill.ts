import { z } from "zod";
import { federationRequest, parseResponse } from "@/lib/federation/client/request";
import { boundedPdus, getMissingEvents, RESPONSE_LIMITS } from "@/lib/federation/client/endpoints";
import { createSupportMemory, isUnsupportedEndpoint } from "@/lib/federation/unsupported";
import { tryServers } from "@/lib/federation/try-servers";
import { logger } from "@/lib/log";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";

// MSC4000 forwards fill as a client: ask each server in the room on the MSC's unstable path;
// a server that answers "unknown endpoint" is remembered and skipped; when no server can
// answer, fall back to /get_missing_events walking back from a later known event.

const FORWARDS_FILL_FEATURE = "msc4000.forwards_fill";
const UNSTABLE_FORWARDS_FILL_PREFIX = "/_matrix/federation/org.matrix.msc4000/forwards_fill";

const supportMemory = createSupportMemory();

type ForwardsFillOutcome = { kind: "events"; server: string; pdus: JsonObject[] } | { kind: "unsupported" } | { kind: "failed"; error: string };

/** One forwards_fill call to one server. */
async function requestForwardsFill(server: string, roomId: string, fromEventIds: readonly string[], limit: number): Promise<ForwardsFillOutcome> {
  try {
    const res = await federationRequest(server, {
      method: "GET",
      path: `${UNSTABLE_FORWARDS_FILL_PREFIX}/${encodeURIComponent(roomId)}`,
      query: [...fromEventIds.map((id) => ["from_event_id", id] as const), ["limit", String(limit)]],
      timeoutMs: 30_000,
      maxResponseBytes: RESPONSE_LIMITS.pdus(limit),
      retries: 1,
    });
    if (isUnsupportedEndpoint(res.status, res.body)) return { kind: "unsupported" };
    const body = parseResponse(server, "GET forwards_fill", res, z.object({ pdus: boundedPdus(limit) }));
    return { kind: "events", server, pdus: body.pdus };
  } catch (err) {
    return { kind: "failed", error: (err as Error).message };
  }
}

export interface ForwardsFillResult {
  pdus: JsonObject[];
  /** "forwards_fill" when a server implemented MSC4000, else "get_missing_events". */
  method: "forwards_fill" | "get_missing_events" | "none";
  server?: string;
  /** Servers found not to implement forwards_fill in this call. */
  unsupportedServers: string[];
}

export interface ForwardsFillArgs {
  roomId: string;
  roomVersion: string;
  fromEventIds: readonly string[];
  limit: number;
  /** Servers in the room, best first. */
  servers: readonly string[];
  /** Known events later than the gap, for the fallback; without them there is no fallback. */
  laterEventIds?: readonly string[];
  /** Upper bound on get_missing_events rounds in the fallback. */
  maxFallbackRounds?: number;
}

/**
 * Successors of `fromEventIds` (unverified PDUs: the caller verifies and stores them). Tries
 * forwards_fill on each server not known to lack it, then falls back.
 */
export async function forwardsFill(args: ForwardsFillArgs): Promise<ForwardsFillResult> {
  const unsupportedServers: string[] = [];
  const capable = args.servers.filter((s) => !supportMemory.isKnownUnsupported(s, FORWARDS_FILL_FEATURE));
  const filled = await tryServers(
    capable,
    async (server) => {
      const outcome = await requestForwardsFill(server, args.roomId, args.fromEventIds, args.limit);
      if (outcome.kind === "failed") throw new Error(outcome.error);
      if (outcome.kind === "unsupported") {
        supportMemory.markUnsupported(server, FORWARDS_FILL_FEATURE);
        unsupportedServers.push(server);
        logger.info({ server, roomId: args.roomId }, "server does not implement MSC4000 forwards_fill; falling back");
        return undefined;
      }
      supportMemory.markSupported(server, FORWARDS_FILL_FEATURE);
      return outcome.pdus;
    },
    { what: "forwards_fill", roomId: args.roomId, useful: (pdus) => pdus !== undefined },
  );
  if (filled?.value) return { pdus: filled.value, method: "forwards_fill", server: filled.server, unsupportedServers };
  if (!args.laterEventIds || args.laterEventIds.length === 0) {
    return { pdus: [], method: "none", unsupportedServers };
  }
  const fallback = await tryServers(args.servers, (server) => missingEventsBetween(server, args), { what: "get_missing_events fallback", roomId: args.roomId });
  if (fallback) return { pdus: fallback.value, method: "get_missing_events", server: fallback.server, unsupportedServers };
  return { pdus: [], method: "none", unsupportedServers };
}

const MISSING_EVENTS_LIMIT = 20; // Synapse's cap

/**
 * Every event between `fromEventIds` and `laterEventIds` (exclusive), walking back from the
 * later events in rounds of get_missing_events until the walk meets the known events.
 */
async function missingEventsBetween(server: string, args: ForwardsFillArgs): Promise<JsonObject[]> {
  const known = new Set([...args.fromEventIds, ...(args.laterEventIds ?? [])]);
  const collected = new Map<string, JsonObject>();
  let latest = [...(args.laterEventIds ?? [])];
  const rounds = args.maxFallbackRounds ?? 50;
  for (let round = 0; round < rounds && latest.length > 0; round++) {
    const events = await getMissingEvents(server, args.roomId, {
      earliestEvents: [...args.fromEventIds],
      latestEvents: latest,
      limit: MISSING_EVENTS_LIMIT,
    });
    const fresh = events.filter((e) => {
      const id = eventIdOf(e, args.roomVersion);
      return id === undefined || !collected.has(id);
    });
    if (fresh.length === 0) break;
    for (const e of fresh) {
      const id = eventIdOf(e, args.roomVersion);
      if (id) collected.set(id, e);
    }
    // Continue from the events whose parents are neither fetched nor the starting point.
    const frontier = new Set<string>();
    for (const e of fresh) {
      for (const prev of prevEventIds(e)) if (!collected.has(prev) && !known.has(prev)) frontier.add(prev);
    }
    if (frontier.size === 0) break;
    // get_missing_events wants known latest events: the oldest fetched ones stand in.
    latest = fresh
      .filter((e) => prevEventIds(e).some((p) => frontier.has(p)))
      .map((e) => eventIdOf(e, args.roomVersion))
      .filter((x): x is string => !!x);
  }
  return [...collected.values()];
}

function eventIdOf(pdu: JsonObject, roomVersion: string): string | undefined {
  try {
    return computeEventId(pdu, roomVersion);
  } catch {
    return undefined;
  }
}

function prevEventIds(pdu: JsonObject): string[] {
  const prev = pdu.prev_events;
  if (!Array.isArray(prev)) return [];
  return prev.map((p) => (typeof p === "string" ? p : Array.isArray(p) && typeof p[0] === "string" ? p[0] : undefined)).filter((x): x is string => !!x);
}
