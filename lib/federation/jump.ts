import { getDb, type Db } from "@/lib/db";
import { getEvent, timestampToEvent } from "@/lib/federation/client/endpoints";
import { tryServers } from "@/lib/federation/try-servers";
import { ingestPdus } from "@/lib/ingest/pipeline";

// Jump to a date (MSC3030): ask the room's servers for the event nearest a timestamp, fetch it
// by ID when the archive does not hold it, and store it through the ingest pipeline as an
// island (gaps on both sides) that fills can grow from.

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
  const answer = await tryServers(
    options.servers ?? room.servers,
    async (server): Promise<JumpResult | undefined> => {
      const found = await timestampToEvent(server, roomId, ts, dir);
      if (!found) return undefined;
      const known = await db.event.findUnique({ where: { eventId: found.event_id }, select: { eventId: true } });
      if (known) return { eventId: found.event_id, originServerTs: found.origin_server_ts, stored: false, server };
      const pdu = await getEvent(server, found.event_id);
      if (!pdu) return undefined;
      const report = await ingestPdus(
        { roomId, pdus: [pdu], source: "jump", arrival: { kind: "jump" }, origin: server, expectedEventIds: new Set([found.event_id]) },
        db,
      );
      // Not stored (did not verify, rejected, unavailable): another server may do better.
      if (!report.inserted.includes(found.event_id)) return undefined;
      return { eventId: found.event_id, originServerTs: found.origin_server_ts, stored: true, server };
    },
    { what: "timestamp_to_event", roomId, useful: (r) => r !== undefined },
  );
  return answer?.value;
}
