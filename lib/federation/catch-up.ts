import type { Db } from "@/lib/db";
import { getEvent, makeJoin, timestampToEvent } from "@/lib/federation/client/endpoints";
import { archiveUserId } from "@/lib/federation/inbound/queries";
import { ingestLivePdus } from "@/lib/federation/ingest-live";
import { tryServers } from "@/lib/federation/try-servers";
import { eventRefs } from "@/lib/federation/store-events";
import { logger } from "@/lib/log";
import type { JsonObject } from "@/lib/matrix/json-value";
import { SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";

// Catching up after the archive was away (stopped, unreachable, or its senders gave up): resident
// servers push only new events, and after an outage Synapse sends just the newest one per room.
// So for each room the archive asks a resident server for the room's newest event
// (timestamp_to_event backwards from now), and when it does not hold it, takes it in as if it had
// been pushed: the live path fetches what lies between the archive's forward extremities and it
// (/get_missing_events, bounded) and leaves a gap for the rest, which the room's backfill then
// fills from the newest gap down. A room that went quiet after concurrent sends has several
// forks, and the newest event leads back through one of them only: the resident servers'
// forward extremities (the prev_events of the join template make_join gives) are taken in the
// same way. What no server can give stays an honest gap.

export interface CatchUpReport {
  /** The newest event a resident server named, and whether the archive held it already. */
  latest: string | null;
  upToDate: boolean;
  server: string | null;
  stored: number;
}

const EXTREMITY_SERVERS = 3;

/**
 * A resident server's forward extremities, as the prev_events of the join template it would give
 * the archive's user (make_join): a room that went quiet after concurrent sends keeps several
 * forks that no newest event leads back to, and nothing else in federation lists them.
 */
async function extremitiesOf(server: string, roomId: string): Promise<string[]> {
  const template = await makeJoin(server, roomId, archiveUserId(), SUPPORTED_ROOM_VERSIONS);
  return eventRefs(template.event.prev_events).slice(0, 20);
}

/** The resident servers' forward extremities the archive does not hold, taken in as if pushed. */
async function catchUpExtremities(db: Db, roomId: string, servers: readonly string[], deadline: number): Promise<number> {
  let stored = 0;
  for (const server of servers.slice(0, EXTREMITY_SERVERS)) {
    if (Date.now() > deadline) break;
    try {
      const ids = await extremitiesOf(server, roomId);
      const held = new Set((await db.event.findMany({ where: { eventId: { in: ids } }, select: { eventId: true } })).map((e) => e.eventId));
      const pdus: JsonObject[] = [];
      for (const id of ids.filter((id) => !held.has(id))) {
        if (Date.now() > deadline) break;
        const pdu = await getEvent(server, id);
        if (pdu) pdus.push(pdu);
      }
      if (pdus.length === 0) continue;
      const before = await db.event.count({ where: { roomId } });
      await ingestLivePdus(db, server, pdus);
      stored += (await db.event.count({ where: { roomId } })) - before;
    } catch (err) {
      logger.info({ roomId, server, err: (err as Error).message }, "catch-up: could not read a server's forward extremities");
    }
  }
  return stored;
}

export async function catchUpRoom(db: Db, roomId: string, deadlineMs = 60_000): Promise<CatchUpReport> {
  const room = await db.room.findUnique({ where: { roomId }, select: { servers: true, status: true } });
  if (!room || room.status !== "joined") return { latest: null, upToDate: true, server: null, stored: 0 };
  const deadline = Date.now() + deadlineMs;
  const fromExtremities = await catchUpExtremities(db, roomId, room.servers, deadline);
  const newest = await tryServers(room.servers.slice(0, 5), (server) => timestampToEvent(server, roomId, Date.now() + 60_000, "b"), {
    what: "catch-up",
    roomId,
    deadline,
    useful: (answer) => answer !== undefined,
  });
  const latest = newest?.value?.event_id;
  if (!newest || !latest) return { latest: null, upToDate: fromExtremities === 0, server: null, stored: fromExtremities };
  const held = await db.event.findUnique({ where: { eventId: latest }, select: { eventId: true } });
  if (held) return { latest, upToDate: fromExtremities === 0, server: newest.server, stored: fromExtremities };
  const pdu = await getEvent(newest.server, latest);
  if (!pdu) return { latest, upToDate: false, server: newest.server, stored: fromExtremities };
  const before = await db.event.count({ where: { roomId } });
  await ingestLivePdus(db, newest.server, [pdu]);
  const stored = (await db.event.count({ where: { roomId } })) - before + fromExtremities;
  logger.info({ roomId, latest, server: newest.server, stored }, "caught up with the room's newest event");
  return { latest, upToDate: false, server: newest.server, stored };
}
