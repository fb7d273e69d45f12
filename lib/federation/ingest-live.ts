import type { Db } from "@/lib/db";
import { getMissingEvents } from "@/lib/federation/client/endpoints";
import type { PduResults } from "@/lib/federation/inbound/send-transaction";
import { applyStateToRoom } from "@/lib/federation/room-state";
import { serverMayAccessRoom } from "@/lib/federation/server-acl";
import { eventRefs, storeVerified } from "@/lib/federation/store-events";
import { verifyBatch } from "@/lib/federation/verify-batch";
import { logger } from "@/lib/log";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";

// PDUs pushed to us by /send: verified, their missing prev_events asked for once with
// /get_missing_events (bounded), then appended live. What cannot be closed stays a gap.

const MISSING_EVENTS_LIMIT = 10;
const MISSING_EVENTS_TIMEOUT_MS = 10_000;

export async function ingestLivePdus(db: Db, origin: string, pdus: readonly JsonObject[]): Promise<PduResults> {
  const results: PduResults = {};
  const byRoom = new Map<string, JsonObject[]>();
  for (const pdu of pdus) {
    const roomId = typeof pdu.room_id === "string" ? pdu.room_id : undefined;
    if (!roomId) continue;
    byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), pdu]);
  }
  for (const [roomId, roomPdus] of byRoom) {
    const room = await db.room.findUnique({ where: { roomId }, select: { roomId: true, roomVersion: true, status: true, servers: true } });
    if (!room || room.status !== "joined") {
      for (const pdu of roomPdus) {
        const id = eventIdOrUndefined(pdu, room?.roomVersion ?? "1");
        if (id) results[id] = { error: "This server is not in that room" };
      }
      continue;
    }
    if (!(await serverMayAccessRoom(db, roomId, origin))) {
      for (const pdu of roomPdus) {
        const id = eventIdOrUndefined(pdu, room.roomVersion);
        if (id) results[id] = { error: "Server is banned from this room (m.room.server_acl)" };
      }
      continue;
    }
    try {
      const roomResults = await ingestRoomPdus(db, room, origin, roomPdus);
      Object.assign(results, roomResults);
      if (Object.values(roomResults).some((r) => r.error === undefined)) await rememberServer(db, room, origin);
    } catch (err) {
      // Never let one room's failure turn the transaction into a non-200: the sender would back
      // off the archive for every room. Report it per PDU instead.
      logger.error({ err, roomId, origin }, "storing pushed PDUs failed");
      for (const pdu of roomPdus) {
        const id = eventIdOrUndefined(pdu, room.roomVersion);
        if (id && !results[id]) results[id] = { error: "could not be stored" };
      }
    }
  }
  return results;
}

async function ingestRoomPdus(db: Db, room: { roomId: string; roomVersion: string }, origin: string, roomPdus: JsonObject[]): Promise<PduResults> {
  const results: PduResults = {};
  const verified = await verifyBatch(roomPdus, room.roomVersion);
  for (const d of verified.dropped) if (d.eventId) results[d.eventId] = { error: `${d.code}: ${d.reason}` };
  if (verified.deferred.length > 0) logger.warn({ roomId: room.roomId, origin, deferred: verified.deferred }, "PDUs could not be verified now");
  if (verified.accepted.length === 0) return results;

  await fetchMissingPrevs(
    db,
    room,
    origin,
    verified.accepted.map((a) => a.pdu),
    verified.accepted.map((a) => a.eventId),
  );
  await storeVerified(db, room, verified.accepted, { kind: "live" }, "send");
  await applyStateToRoom(db, room.roomId, verified.accepted);
  for (const a of verified.accepted) results[a.eventId] = {};
  return results;
}

/** A server that pushes verified events into a room is in it: remember it for later fills. */
async function rememberServer(db: Db, room: { roomId: string; servers: string[] }, origin: string): Promise<void> {
  if (room.servers.includes(origin)) return;
  await db.room.update({ where: { roomId: room.roomId }, data: { servers: { push: origin } } });
}

async function fetchMissingPrevs(db: Db, room: { roomId: string; roomVersion: string }, origin: string, pdus: JsonObject[], eventIds: string[]): Promise<void> {
  const batch = new Set(eventIds);
  const prevs = [...new Set(pdus.flatMap((p) => eventRefs(p.prev_events)))].filter((id) => !batch.has(id));
  if (prevs.length === 0) return;
  const stored = await db.event.findMany({ where: { eventId: { in: prevs } }, select: { eventId: true } });
  if (stored.length === prevs.length) return;
  // The sender's view of what we miss: everything between our latest events and the new ones.
  const latestStored = await db.event.findMany({
    where: { roomId: room.roomId },
    orderBy: [{ depth: "desc" }],
    take: 5,
    select: { eventId: true },
  });
  try {
    const missing = await Promise.race([
      getMissingEvents(origin, room.roomId, {
        earliestEvents: latestStored.map((e) => e.eventId),
        latestEvents: eventIds,
        limit: MISSING_EVENTS_LIMIT,
      }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("get_missing_events took too long")), MISSING_EVENTS_TIMEOUT_MS)),
    ]);
    const verified = await verifyBatch(missing, room.roomVersion);
    await storeVerified(db, room, verified.accepted, { kind: "live" }, "missing");
  } catch (err) {
    logger.info({ roomId: room.roomId, origin, err: (err as Error).message }, "could not fetch missing prev_events; leaving a gap");
  }
}

function eventIdOrUndefined(pdu: JsonObject, roomVersion: string): string | undefined {
  try {
    return computeEventId(pdu, roomVersion);
  } catch {
    return undefined;
  }
}
