import type { Db } from "@/lib/db";
import { errorResponse, InboundError } from "@/lib/federation/inbound/http";
import { ancestorsOf, isServableRoom, storedEvent, successorsOf, transactionBody } from "@/lib/federation/inbound/serve-events";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { serverMayAccessRoom } from "@/lib/federation/server-acl";

const MAX_LIMIT = 100;

function limitParam(url: URL, fallback: number | undefined): number {
  const raw = url.searchParams.get("limit");
  if (raw === null) {
    if (fallback === undefined) throw new InboundError(400, "M_MISSING_PARAM", "limit is required");
    return fallback;
  }
  if (!/^\d{1,9}$/.test(raw)) throw new InboundError(400, "M_INVALID_PARAM", "limit must be a non-negative integer");
  return Math.min(Number(raw), MAX_LIMIT);
}

function transactionResponse(body: string): Response {
  return new Response(body, { status: 200, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

async function requireServableRoom(db: Db, roomId: string, origin: string): Promise<void> {
  if (!(await isServableRoom(db, roomId))) {
    throw new InboundError(403, "M_FORBIDDEN", "This server does not serve history of that room");
  }
  if (!(await serverMayAccessRoom(db, roomId, origin))) {
    throw new InboundError(403, "M_FORBIDDEN", "Server is banned from this room");
  }
}

/** MSC4000: successors of `from_event_id` events, oldest first, up to `limit` (successors only). */
export async function handleForwardsFill(db: Db, origin: string, roomId: string, url: URL): Promise<Response> {
  const from = url.searchParams.getAll("from_event_id");
  if (from.length === 0) throw new InboundError(400, "M_MISSING_PARAM", "from_event_id is required");
  const limit = limitParam(url, undefined);
  await requireServableRoom(db, roomId, origin);
  const events = await successorsOf(db, roomId, from, limit);
  return transactionResponse(transactionBody(getOwnServerName(), events));
}

export async function handleBackfill(db: Db, origin: string, roomId: string, url: URL): Promise<Response> {
  const from = url.searchParams.getAll("v");
  if (from.length === 0) throw new InboundError(400, "M_MISSING_PARAM", "v is required");
  const limit = limitParam(url, undefined);
  await requireServableRoom(db, roomId, origin);
  const events = await ancestorsOf(db, roomId, from, limit);
  // An empty 200 would make the asking server stop trying others; say "not here" instead.
  if (events.length === 0) return errorResponse(404, "M_NOT_FOUND", "None of those events are stored here");
  return transactionResponse(transactionBody(getOwnServerName(), events));
}

export async function handleEvent(db: Db, origin: string, eventId: string): Promise<Response> {
  const event = await storedEvent(db, eventId);
  if (!event || !(await isServableRoom(db, event.roomId))) return errorResponse(404, "M_NOT_FOUND", "Event not found");
  if (!(await serverMayAccessRoom(db, event.roomId, origin))) return errorResponse(403, "M_FORBIDDEN", "Server is banned from this room");
  return transactionResponse(transactionBody(getOwnServerName(), [event]));
}

/**
 * The archive keeps events, not the resolved state at each one, so it cannot answer
 * /state_ids truthfully; M_NOT_FOUND sends the asker to another server.
 */
export async function handleStateIds(db: Db, origin: string, roomId: string, url: URL): Promise<Response> {
  if (!url.searchParams.get("event_id")) throw new InboundError(400, "M_MISSING_PARAM", "event_id is required");
  await requireServableRoom(db, roomId, origin);
  return errorResponse(404, "M_NOT_FOUND", "State at that event is not available from this server");
}
