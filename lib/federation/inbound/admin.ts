import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { joinRoom } from "@/lib/archive/join-room";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { backfillRoom } from "@/lib/federation/backfill";
import { getPublicRooms, timestampToEvent } from "@/lib/federation/client/endpoints";
import { fillForwards } from "@/lib/federation/fill-forwards";
import { jumpToTimestamp } from "@/lib/federation/jump";
import { errorResponse, InboundError, jsonResponse, readBody, unrecognized } from "@/lib/federation/inbound/http";
import { currentStateOf } from "@/lib/ingest/current-state";
import { parseJsonObject } from "@/lib/matrix/parse-json";

// The operator API: join a room, backfill it, fill forwards after an event, read what the store
// holds for a room, and ask a server for its public rooms or the event nearest a time. Off unless ARCHIVE_ADMIN_TOKEN is set; then a Bearer token is needed.
// Tests and the demo drive the running archive through it.

export const ADMIN_PREFIX = "/_matrix/archive/v1/admin/";

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * Only `Authorization: Bearer <token>`. The digests are compared, not the tokens: both are 32
 * bytes whatever was sent, so neither the comparison's time nor an early length check tells a
 * caller anything about the token's length or content.
 */
export function adminAuthorized(header: string | null, token: string): boolean {
  const match = /^Bearer +(\S+)$/i.exec(header ?? "");
  return timingSafeEqual(sha256(match?.[1] ?? ""), sha256(token)) && match !== null;
}

const joinBody = z.object({ room: z.string().min(2), via: z.array(z.string()).optional(), backfill: z.number().int().min(0).max(100_000).optional() });
const backfillBody = z.object({
  roomId: z.string(),
  maxEvents: z.number().int().positive().optional(),
  batchSize: z.number().int().min(1).max(100).optional(),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(30 * 60_000)
    .optional(),
});
const forwardsBody = z.object({
  roomId: z.string(),
  fromEventId: z.string(),
  limit: z.number().int().min(1).max(100).optional(),
  servers: z.array(z.string()).optional(),
});

const timestampBody = z.object({ server: z.string(), roomId: z.string(), ts: z.number().int().nonnegative(), dir: z.enum(["f", "b"]) });

const jumpBody = z.object({ roomId: z.string(), ts: z.number().int().nonnegative(), dir: z.enum(["f", "b"]) });

async function parse<T>(request: Request, schema: z.ZodType<T>): Promise<T> {
  let json: unknown;
  try {
    json = JSON.parse(JSON.stringify(parseJsonObject(await readBody(request, 64 * 1024))));
  } catch (err) {
    if (err instanceof InboundError) throw err;
    throw new InboundError(400, "M_NOT_JSON", "body is not a JSON object");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InboundError(400, "M_BAD_JSON", z.prettifyError(parsed.error));
  return parsed.data;
}

export async function handleAdmin(request: Request, action: string): Promise<Response> {
  const token = getEnv().ARCHIVE_ADMIN_TOKEN;
  if (!token) return unrecognized();
  if (!adminAuthorized(request.headers.get("authorization"), token)) return errorResponse(401, "M_UNAUTHORIZED", "admin token required");
  if (request.method === "POST" && action === "join") {
    const body = await parse(request, joinBody);
    return jsonResponse(await joinRoom(body.room, { via: body.via, backfill: body.backfill }));
  }
  if (request.method === "POST" && action === "backfill") {
    const body = await parse(request, backfillBody);
    return jsonResponse(await backfillRoom(body.roomId, body));
  }
  if (request.method === "POST" && action === "forwards_fill") {
    const body = await parse(request, forwardsBody);
    return jsonResponse(await fillForwards(body.roomId, body.fromEventId, body));
  }
  if (request.method === "GET" && action === "public_rooms") {
    const server = new URL(request.url).searchParams.get("server");
    if (!server) throw new InboundError(400, "M_MISSING_PARAM", "server is required");
    return jsonResponse(await getPublicRooms(server, { limit: 50 }));
  }
  if (request.method === "POST" && action === "timestamp_to_event") {
    const body = await parse(request, timestampBody);
    return jsonResponse((await timestampToEvent(body.server, body.roomId, body.ts, body.dir)) ?? null);
  }
  if (request.method === "POST" && action === "jump") {
    const body = await parse(request, jumpBody);
    return jsonResponse((await jumpToTimestamp(body.roomId, body.ts, body.dir)) ?? null);
  }
  if (request.method === "GET" && action === "room") {
    const roomId = new URL(request.url).searchParams.get("room_id");
    if (!roomId) throw new InboundError(400, "M_MISSING_PARAM", "room_id is required");
    return jsonResponse(await roomReport(roomId));
  }
  return unrecognized();
}

/** What the store holds for a room: the summary, every event ID with its source, the gaps. */
async function roomReport(roomId: string) {
  const db = getDb();
  const room = await db.room.findUnique({ where: { roomId } });
  if (!room) return { room: null };
  const events = await db.event.findMany({
    where: { roomId },
    select: {
      eventId: true,
      type: true,
      stateKey: true,
      sender: true,
      source: true,
      redacted: true,
      depth: true,
      rejectedReason: true,
      softFailedReason: true,
      deniedReason: true,
      overruledReason: true,
      stateGroup: true,
    },
    orderBy: [{ depth: "asc" }, { eventId: "asc" }],
  });
  const currentState = await currentStateOf(db, roomId);
  const items = await db.timelineItem.findMany({
    where: { roomId },
    select: { kind: true, eventId: true, missingPrevEvents: true, unknownSuccessorsOf: true, deniedEventId: true, reason: true },
    orderBy: { position: "asc" },
  });
  return {
    room: {
      ...room,
      currentStateGroup: room.currentStateGroup?.toString() ?? null,
      createdAt: room.createdAt.toISOString(),
      updatedAt: room.updatedAt.toISOString(),
    },
    events: events.map(({ rejectedReason, softFailedReason, stateGroup, ...e }) => ({
      ...e,
      depth: Number(e.depth),
      rejected: rejectedReason !== null,
      rejectedReason,
      softFailed: softFailedReason !== null,
      softFailedReason,
      stateKnown: stateGroup !== null,
    })),
    currentState,
    timeline: items,
  };
}
