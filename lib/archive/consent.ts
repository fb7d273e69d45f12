import type { Db } from "@/lib/db";
import type { ArchiveRoom } from "@/lib/archive/room-access";
import type { ConsentView } from "@/lib/archive/view-types";
import { matrixToRoomLink } from "@/lib/render/matrix-to";

// Why a reader can see this room, shown on every page of it: the room's own members made its
// history world-readable (when, and who), and whether search engines may index it. Rooms that
// are world-readable but not publicly joinable are served but kept out of search engines.

async function latestStateContent(db: Db, roomId: string, type: string): Promise<{ sender: string; ts: number; content: Record<string, unknown> } | null> {
  const row = await db.event.findFirst({
    where: { roomId, type, stateKey: "", redacted: false, deniedReason: null },
    orderBy: { originServerTs: "desc" },
    select: { sender: true, originServerTs: true, pdu: true },
  });
  if (!row) return null;
  try {
    const parsed = JSON.parse(row.pdu) as { content?: Record<string, unknown> };
    return { sender: row.sender, ts: Number(row.originServerTs), content: parsed.content ?? {} };
  } catch {
    return null;
  }
}

export async function getConsent(db: Db, room: ArchiveRoom): Promise<ConsentView> {
  const [visibility, joinRules] = await Promise.all([
    room.worldReadableSince ? null : latestStateContent(db, room.roomId, "m.room.history_visibility"),
    latestStateContent(db, room.roomId, "m.room.join_rules"),
  ]);
  const fromState = visibility?.content.history_visibility === "world_readable" ? visibility : null;
  const joinRule = joinRules?.content.join_rule;
  return {
    worldReadableSince: room.worldReadableSince?.toISOString() ?? (fromState ? new Date(fromState.ts).toISOString() : null),
    worldReadableBy: room.worldReadableBy ?? fromState?.sender ?? null,
    // Unknown join rules (state not fetched yet) count as public: the room is in a directory.
    indexed: joinRule === undefined || joinRule === "public",
    joinHref: matrixToRoomLink(room.canonicalAlias ?? room.roomId, room.canonicalAlias ? [] : room.servers),
  };
}
