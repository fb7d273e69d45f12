import type { Db } from "@/lib/db";
import type { MxcUri } from "@/lib/render/media-path";
import type { Tx } from "@/lib/timeline/db-types";
import { mediaOnlyIn } from "@/lib/timeline/media-refs";
import { noteRoomChanged } from "@/lib/timeline/page-changes";
import { withRoomLock } from "@/lib/timeline/room-lock";

/**
 * Deletes a room's stored history: its events and every timeline item (gaps and denials have
 * no foreign key to the room, so deleting events alone would leave them behind). Used when a
 * room stops being world-readable or is denied; the room row itself is the caller's.
 */
export interface DeletedHistory {
  events: number;
  items: number;
  /** Media only the deleted events named: the caller deletes their cached files once committed. */
  media: MxcUri[];
}

export async function purgeRoomTimeline(db: Db, roomId: string): Promise<DeletedHistory> {
  return withRoomLock(db, roomId, (tx) => deleteRoomHistory(tx, roomId));
}

/** The same deletion inside the caller's room-locked transaction (a purge that also changes the room row). */
export async function deleteRoomHistory(tx: Tx, roomId: string): Promise<DeletedHistory> {
  const media = await mediaOnlyIn(tx, roomId);
  const items = await tx.$executeRaw`DELETE FROM timeline_items WHERE room_id = ${roomId}`;
  const events = await tx.$executeRaw`DELETE FROM events WHERE room_id = ${roomId}`;
  await noteRoomChanged(tx, roomId);
  return { events, items, media };
}
