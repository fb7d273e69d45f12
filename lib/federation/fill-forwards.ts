import { getDb, type Db } from "@/lib/db";
import { forwardsFill } from "@/lib/federation/client/forwards-fill";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { firstEventAfterGap } from "@/lib/timeline";

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
  const stored = await ingestPdus(
    {
      roomId,
      pdus: result.pdus,
      // "missing" is kept for the room's edge (get_missing_events before pushed events): a fill
      // behind the edge is a forwards fill whichever request brought it.
      source: "forwards_fill",
      arrival: { kind: "forwards", after: fromEventId },
      origin: result.server,
      skipCountLimits: true,
    },
    db,
  );
  return {
    method: result.method,
    server: result.server,
    unsupportedServers: result.unsupportedServers,
    received: result.pdus.length,
    stored: stored.inserted.length,
    dropped: stored.dropped + stored.rejected,
    inserted: stored.inserted,
  };
}
