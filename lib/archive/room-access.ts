import type { Db } from "@/lib/db";
import { roomPolicy } from "@/lib/federation/policy";
import type { RoomRef } from "@/lib/archive/room-paths";

export interface ArchiveRoom {
  roomId: string;
  roomVersion: string;
  canonicalAlias: string | null;
  name: string | null;
  topic: string | null;
  historyVisibility: string | null;
  worldReadableSince: Date | null;
  worldReadableBy: string | null;
  status: string;
  servers: string[];
  joinRule: string | null;
}

export type RoomAccess =
  | { status: "ok"; room: ArchiveRoom }
  | { status: "not_found" }
  /** Known, but not (or no longer) world-readable, or denied by the operator. */
  | { status: "forbidden"; room: ArchiveRoom };

export const roomSelect = {
  roomId: true,
  roomVersion: true,
  canonicalAlias: true,
  name: true,
  topic: true,
  historyVisibility: true,
  worldReadableSince: true,
  worldReadableBy: true,
  status: true,
  servers: true,
  joinRule: true,
} as const;

/** Whether the archive may serve this room's pages right now. */
export function isServable(room: ArchiveRoom): boolean {
  // A purged room's row keeps the visibility that ended it, but the status is what says its
  // history is gone: never serve it, whatever the row's other fields say.
  if (room.status === "denied" || room.status === "purged" || room.historyVisibility !== "world_readable") return false;
  return roomPolicy(room.roomId, [room.canonicalAlias]).allowed;
}

/** Finds a room by alias or room ID and decides whether it may be served. */
export async function getRoomAccess(db: Db, ref: RoomRef): Promise<RoomAccess> {
  const room =
    ref.kind === "alias"
      ? await db.room.findFirst({ where: { canonicalAlias: ref.alias }, select: roomSelect, orderBy: { updatedAt: "desc" } })
      : await db.room.findUnique({ where: { roomId: ref.roomId }, select: roomSelect });
  if (!room) return { status: "not_found" };
  return isServable(room) ? { status: "ok", room } : { status: "forbidden", room };
}

/** The URL names (`r/{alias}`, `roomid/{id}`) of every room served now, for proxy.ts's shared-cache headers. */
export async function servedRoomNames(db: Db): Promise<Array<{ kind: "r" | "roomid"; name: string }>> {
  const rooms = await db.room.findMany({ where: { historyVisibility: "world_readable" }, select: roomSelect });
  return rooms
    .filter(isServable)
    .flatMap((r) => [{ kind: "roomid" as const, name: r.roomId }, ...(r.canonicalAlias ? [{ kind: "r" as const, name: r.canonicalAlias }] : [])]);
}
