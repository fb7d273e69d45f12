import { z } from "zod";
import { federationRequest, parseResponse, requestJson } from "@/lib/federation/client/request";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";

// One function per federation endpoint the archive calls. PDUs stay lossless JsonObjects: only
// lib/matrix's verification may look inside them; the shapes around them are checked here.

/** An auth chain longer than this is refused (a room's auth chain is its state history: members, power levels). */
const MAX_AUTH_CHAIN = 20_000;

const KIB = 1024;
const MIB = 1024 * KIB;
/** A PDU is at most 64 KiB (S2S § Size limits); an answer of n PDUs fits in this many bytes. */
const pdusBytes = (n: number) => n * 64 * KIB + 64 * KIB;

// What each answer may weigh before its body is even parsed: enough for its most PDUs at the
// largest size the spec allows, nothing more (the transport's default is a generous backstop).
// send_join carries a whole room's state and auth chain and is the one big answer.
export const RESPONSE_LIMITS = {
  makeJoin: 1 * MIB,
  sendJoin: 256 * MIB,
  event: pdusBytes(1),
  eventAuth: 64 * MIB,
  timestampToEvent: 64 * KIB,
  publicRooms: 4 * MIB,
  queryDirectory: 256 * KIB,
  sendLeave: 64 * KIB,
  /** backfill, get_missing_events, forwards_fill: per PDU asked for. */
  pdus: pdusBytes,
} as const;

const pduSchema = z.custom<JsonObject>(isJsonObject, "expected a PDU object");
const pduList = z.array(pduSchema);
/** An answer to a request for at most `limit` PDUs that holds more is refused, not truncated. */
export const boundedPdus = (limit: number) => z.array(pduSchema).max(limit, `more than the ${limit} PDUs asked for`);

const V1 = "/_matrix/federation/v1";

export const makeJoinResponse = z.object({ room_version: z.string().optional(), event: pduSchema });

export function makeJoin(destination: string, roomId: string, userId: string, versions: readonly string[]) {
  return requestJson(
    destination,
    {
      method: "GET",
      path: `${V1}/make_join/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`,
      query: versions.map((v) => ["ver", v] as const),
      timeoutMs: 30_000,
      maxResponseBytes: RESPONSE_LIMITS.makeJoin,
    },
    makeJoinResponse,
  );
}

export const sendJoinResponse = z.object({
  state: pduList,
  auth_chain: pduList,
  event: pduSchema.optional(),
  members_omitted: z.boolean().optional(),
  servers_in_room: z.array(z.string()).optional(),
});

export function sendJoin(destination: string, roomId: string, eventId: string, event: JsonObject) {
  return requestJson(
    destination,
    {
      method: "PUT",
      path: `/_matrix/federation/v2/send_join/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`,
      query: [["omit_members", "false"]],
      body: event,
      timeoutMs: 120_000,
      maxResponseBytes: RESPONSE_LIMITS.sendJoin,
      retries: 1,
    },
    sendJoinResponse,
  );
}

/** `limit` counts the `v` events too; Synapse caps it at 100. */
export async function backfill(destination: string, roomId: string, fromEventIds: readonly string[], limit: number): Promise<JsonObject[]> {
  const body = await requestJson(
    destination,
    {
      method: "GET",
      path: `${V1}/backfill/${encodeURIComponent(roomId)}`,
      query: [...fromEventIds.map((id) => ["v", id] as const), ["limit", String(limit)]],
      timeoutMs: 60_000,
      maxResponseBytes: RESPONSE_LIMITS.pdus(limit),
    },
    z.object({ pdus: boundedPdus(limit) }),
  );
  return body.pdus;
}

export async function getMissingEvents(
  destination: string,
  roomId: string,
  args: { earliestEvents: readonly string[]; latestEvents: readonly string[]; limit: number; minDepth?: number },
): Promise<JsonObject[]> {
  const body = await requestJson(
    destination,
    {
      method: "POST",
      path: `${V1}/get_missing_events/${encodeURIComponent(roomId)}`,
      body: { earliest_events: [...args.earliestEvents], latest_events: [...args.latestEvents], limit: args.limit, min_depth: args.minDepth ?? 0 },
      timeoutMs: 60_000,
      maxResponseBytes: RESPONSE_LIMITS.pdus(args.limit),
    },
    z.object({ events: boundedPdus(args.limit) }),
  );
  return body.events;
}

/** The PDU, or undefined when the server says it does not have it. */
export async function getEvent(destination: string, eventId: string): Promise<JsonObject | undefined> {
  const res = await federationRequest(destination, {
    method: "GET",
    path: `${V1}/event/${encodeURIComponent(eventId)}`,
    timeoutMs: 30_000,
    maxResponseBytes: RESPONSE_LIMITS.event,
  });
  if (res.status === 404) return undefined;
  return parseResponse(destination, "GET /event", res, z.object({ pdus: boundedPdus(1) })).pdus[0];
}

/** The auth chain of an event (GET /event_auth): every event its authorization rests on. */
export async function getEventAuth(destination: string, roomId: string, eventId: string): Promise<JsonObject[]> {
  const body = await requestJson(
    destination,
    {
      method: "GET",
      path: `${V1}/event_auth/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`,
      timeoutMs: 30_000,
      maxResponseBytes: RESPONSE_LIMITS.eventAuth,
    },
    z.object({ auth_chain: z.array(pduSchema).max(MAX_AUTH_CHAIN) }),
  );
  return body.auth_chain;
}

/** The closest event to `ts` in direction `dir`, or undefined when there is none. */
export async function timestampToEvent(destination: string, roomId: string, ts: number, dir: "f" | "b") {
  const res = await federationRequest(destination, {
    method: "GET",
    path: `${V1}/timestamp_to_event/${encodeURIComponent(roomId)}`,
    query: [
      ["ts", String(ts)],
      ["dir", dir],
    ],
    timeoutMs: 30_000,
    maxResponseBytes: RESPONSE_LIMITS.timestampToEvent,
  });
  if (res.status === 404) return undefined;
  return parseResponse(destination, "GET /timestamp_to_event", res, z.object({ event_id: z.string(), origin_server_ts: z.number() }));
}

const publicRoomsChunk = z.object({
  room_id: z.string(),
  num_joined_members: z.number(),
  world_readable: z.boolean(),
  guest_can_join: z.boolean(),
  name: z.string().optional(),
  topic: z.string().optional(),
  canonical_alias: z.string().optional(),
  avatar_url: z.string().optional(),
  join_rule: z.string().optional(),
  room_type: z.string().optional(),
});

export function getPublicRooms(destination: string, args: { limit?: number; since?: string } = {}) {
  const query: Array<[string, string]> = [];
  if (args.limit !== undefined) query.push(["limit", String(args.limit)]);
  if (args.since !== undefined) query.push(["since", args.since]);
  return requestJson(
    destination,
    { method: "GET", path: `${V1}/publicRooms`, query, timeoutMs: 30_000, maxResponseBytes: RESPONSE_LIMITS.publicRooms },
    z.object({
      chunk: z.array(publicRoomsChunk.loose()).max(Math.max(args.limit ?? 1000, 1000)),
      next_batch: z.string().optional(),
      prev_batch: z.string().optional(),
      total_room_count_estimate: z.number().optional(),
    }),
  );
}

/** Alias to room ID and resident servers, asked of the alias's own server. */
export function queryDirectory(destination: string, alias: string) {
  return requestJson(
    destination,
    { method: "GET", path: `${V1}/query/directory`, query: [["room_alias", alias]], timeoutMs: 30_000, maxResponseBytes: RESPONSE_LIMITS.queryDirectory },
    z.object({ room_id: z.string(), servers: z.array(z.string()).max(1000) }),
  );
}

export function makeLeave(destination: string, roomId: string, userId: string) {
  return requestJson(
    destination,
    {
      method: "GET",
      path: `${V1}/make_leave/${encodeURIComponent(roomId)}/${encodeURIComponent(userId)}`,
      timeoutMs: 30_000,
      maxResponseBytes: RESPONSE_LIMITS.makeJoin,
    },
    makeJoinResponse,
  );
}

export function sendLeave(destination: string, roomId: string, eventId: string, event: JsonObject) {
  return requestJson(
    destination,
    {
      method: "PUT",
      path: `/_matrix/federation/v2/send_leave/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}`,
      body: event,
      timeoutMs: 30_000,
      maxResponseBytes: RESPONSE_LIMITS.sendLeave,
    },
    z.unknown(),
  );
}
