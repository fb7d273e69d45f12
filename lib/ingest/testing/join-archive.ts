import type { Db } from "@/lib/db";
import { ingestPdus, type IngestReport } from "@/lib/ingest/pipeline";
import type { RoomBuilder } from "@/lib/ingest/testing/room-builder";

/**
 * The archive joins a built room as it would over federation: the room row, then one join batch
 * (the given events, our join event, and the state before the join as send_join gives it).
 */
export async function joinArchive(
  db: Db,
  room: RoomBuilder,
  join: { eventId: string; stateBefore: readonly string[]; events: readonly string[] },
): Promise<IngestReport> {
  await db.room.create({ data: { roomId: room.roomId, roomVersion: room.version.id, status: "joined", servers: ["hs1.test"] } });
  return ingestPdus(
    {
      roomId: room.roomId,
      pdus: room.pduList([...join.events, join.eventId]),
      source: "join",
      arrival: { kind: "live" },
      skipCountLimits: true,
      givenStateBefore: { eventId: join.eventId, stateEventIds: join.stateBefore },
    },
    db,
  );
}
