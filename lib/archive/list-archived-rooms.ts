import type { Db } from "@/lib/db";

export interface ArchivedRoomView {
  roomId: string;
  alias: string | null;
  name: string | null;
  topic: string | null;
  href: string;
}

/** Rooms the archive holds and may show: joined and currently world_readable. */
export async function listArchivedRooms(db: Db): Promise<ArchivedRoomView[]> {
  const rooms = await db.room.findMany({
    where: { status: "joined", historyVisibility: "world_readable" },
    orderBy: [{ name: "asc" }, { roomId: "asc" }],
    take: 500,
  });
  return rooms.map((r) => ({
    roomId: r.roomId,
    alias: r.canonicalAlias,
    name: r.name,
    topic: r.topic,
    href: r.canonicalAlias ? `/r/${encodeURIComponent(r.canonicalAlias.replace(/^#/, ""))}` : `/roomid/${encodeURIComponent(r.roomId.replace(/^!/, ""))}`,
  }));
}
