import type { Db } from "@/lib/db";
import { getEvent, timestampToEvent } from "@/lib/federation/client/endpoints";
import { ingestLivePdus } from "@/lib/federation/ingest-live";
import { tryServers } from "@/lib/federation/try-servers";
import { logger } from "@/lib/log";

// Catching up after the archive was away (stopped, unreachable, or its senders gave up): resident
// servers push only new events, and after an outage Synapse sends just the newest one per room.
// So for each room the archive asks a resident server for the room's newest event
// (timestamp_to_event backwards from now), and when it does not hold it, takes it in as if it had
// been pushed: the live path fetches what lies between the archive's forward extremities and it
// (/get_missing_events, bounded) and leaves a gap for the rest, which the room's backfill then
// fills from the newest gap down. What no server can give stays an honest gap.

export interface CatchUpReport {
  /** The newest event a resident server named, and whether the archive held it already. */
  latest: string | null;
  upToDate: boolean;
  server: string | null;
  stored: number;
}

export async function catchUpRoom(db: Db, roomId: string, deadlineMs = 60_000): Promise<CatchUpReport> {
  const room = await db.room.findUnique({ where: { roomId }, select: { servers: true, status: true } });
  if (!room || room.status !== "joined") return { latest: null, upToDate: true, server: null, stored: 0 };
  const deadline = Date.now() + deadlineMs;
  const newest = await tryServers(room.servers.slice(0, 5), (server) => timestampToEvent(server, roomId, Date.now() + 60_000, "b"), {
    what: "catch-up",
    roomId,
    deadline,
    useful: (answer) => answer !== undefined,
  });
  const latest = newest?.value?.event_id;
  if (!newest || !latest) return { latest: null, upToDate: true, server: null, stored: 0 };
  const held = await db.event.findUnique({ where: { eventId: latest }, select: { eventId: true } });
  if (held) return { latest, upToDate: true, server: newest.server, stored: 0 };
  const pdu = await getEvent(newest.server, latest);
  if (!pdu) return { latest, upToDate: false, server: newest.server, stored: 0 };
  const before = await db.event.count({ where: { roomId } });
  await ingestLivePdus(db, newest.server, [pdu]);
  const stored = (await db.event.count({ where: { roomId } })) - before;
  logger.info({ roomId, latest, server: newest.server, stored }, "caught up with the room's newest event");
  return { latest, upToDate: false, server: newest.server, stored };
}
