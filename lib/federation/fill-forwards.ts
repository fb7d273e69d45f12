import { getDb, type Db } from "@/lib/db";
import { forwardsFill } from "@/lib/federation/client/forwards-fill";
import { storeVerified } from "@/lib/federation/store-events";
import { applyStateAfterFill } from "@/lib/federation/room-state";
import { verifyBatch } from "@/lib/federation/verify-batch";

// Filling the gap after a stored event: MSC4000 forwards_fill where a server implements it,
// get_missing_events walking back from the first stored event after the gap otherwise.

export interface ForwardsFillReport {
  method: "forwards_fill" | "get_missing_events" | "none";
  server?: string;
  unsupportedServers: string[];
  received: number;
  stored: number;
  dropped: number;
  /** Newly stored event IDs, in placement order. */
  inserted: string[];
}

/** The first stored event after the gap that follows `eventId`, if any. */
export async function firstEventAfterGap(db: Db, roomId: string, eventId: string): Promise<string | undefined> {
  const rows = await db.$queryRaw<{ event_id: string }[]>`
    WITH anchor AS (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND event_id = ${eventId}),
    gap AS (
      SELECT i.position FROM timeline_items i, anchor
      WHERE i.room_id = ${roomId} AND i.kind = 'gap' AND i.position > anchor.position
      ORDER BY i.position LIMIT 1)
    SELECT i.event_id FROM timeline_items i, gap
    WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.position > gap.position
    ORDER BY i.position LIMIT 1`;
  return rows[0]?.event_id;
}

export async function fillForwards(
  roomId: string,
  fromEventId: string,
  options: { limit?: number; db?: Db; servers?: readonly string[] } = {},
): Promise<ForwardsFillReport> {
  const db = options.db ?? getDb();
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, servers: true } });
  if (!room) throw new Error(`room ${roomId} is not known`);
  const later = await firstEventAfterGap(db, roomId, fromEventId);
  const result = await forwardsFill({
    roomId,
    roomVersion: room.roomVersion,
    fromEventIds: [fromEventId],
    limit: Math.min(options.limit ?? 50, 100),
    servers: options.servers ?? room.servers,
    laterEventIds: later ? [later] : undefined,
  });
  const verified = await verifyBatch(result.pdus, room.roomVersion, { skipCountLimits: true });
  const stored = await storeVerified(
    db,
    { roomId, roomVersion: room.roomVersion },
    verified.accepted,
    { kind: "forwards", after: fromEventId },
    result.method === "get_missing_events" ? "missing" : "forwards_fill",
  );
  await applyStateAfterFill(db, roomId, verified.accepted, stored.inserted);
  return {
    method: result.method,
    server: result.server,
    unsupportedServers: result.unsupportedServers,
    received: result.pdus.length,
    stored: stored.inserted.length,
    dropped: verified.dropped.length,
    inserted: stored.inserted,
  };
}
