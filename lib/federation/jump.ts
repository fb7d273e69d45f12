import { getDb, type Db } from "@/lib/db";
import { getEvent, timestampToEvent } from "@/lib/federation/client/endpoints";
import { storeVerified } from "@/lib/federation/store-events";
import { applyStateAfterFill } from "@/lib/federation/room-state";
import { verifyBatch } from "@/lib/federation/verify-batch";
import { logger } from "@/lib/log";

// Jump to a date (MSC3030): ask the room's servers for the event nearest a timestamp, fetch it
// by ID when the archive does not hold it, verify it, and store it as an island (gaps on both
// sides) that fills can grow from.

export interface JumpResult {
  eventId: string;
  originServerTs: number;
  /** The event was fetched and stored by this call (false: already stored). */
  stored: boolean;
  server: string;
}

export async function jumpToTimestamp(
  roomId: string,
  ts: number,
  dir: "f" | "b",
  options: { db?: Db; servers?: readonly string[] } = {},
): Promise<JumpResult | undefined> {
  const db = options.db ?? getDb();
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, servers: true } });
  if (!room) throw new Error(`room ${roomId} is not known`);
  for (const server of options.servers ?? room.servers) {
    try {
      const found = await timestampToEvent(server, roomId, ts, dir);
      if (!found) continue;
      const known = await db.event.findUnique({ where: { eventId: found.event_id }, select: { eventId: true } });
      if (known) return { eventId: found.event_id, originServerTs: found.origin_server_ts, stored: false, server };
      const pdu = await getEvent(server, found.event_id);
      if (!pdu) continue;
      const verified = await verifyBatch([pdu], room.roomVersion, { expectedEventIds: new Set([found.event_id]) });
      if (verified.accepted.length === 0) {
        logger.warn({ roomId, server, eventId: found.event_id, dropped: verified.dropped }, "jump target did not verify");
        continue;
      }
      const result = await storeVerified(db, { roomId, roomVersion: room.roomVersion }, verified.accepted, { kind: "jump" }, "jump");
      await applyStateAfterFill(db, roomId, verified.accepted, result.inserted);
      return { eventId: found.event_id, originServerTs: found.origin_server_ts, stored: true, server };
    } catch (err) {
      logger.warn({ roomId, server, err: (err as Error).message }, "timestamp_to_event failed; trying another server");
    }
  }
  return undefined;
}
