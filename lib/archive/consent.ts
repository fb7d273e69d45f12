import type { ArchiveRoom } from "@/lib/archive/room-access";
import type { ConsentView } from "@/lib/archive/view-types";
import { archiveUserId } from "@/lib/federation/inbound/queries";
import { matrixToRoomLink } from "@/lib/render/matrix-to";

// Why a reader can see this room, shown on every page of it: the room's own members made its
// history world-readable (when, and who), and whether search engines may index it. Rooms that
// are world-readable but not publicly joinable are served but kept out of search engines. Both
// come from the room's resolved current state, as lib/ingest keeps it on the room row.

export function getConsent(room: ArchiveRoom): ConsentView {
  return {
    worldReadableSince: room.worldReadableSince?.toISOString() ?? null,
    worldReadableBy: room.worldReadableBy ?? null,
    // Unknown join rules (state not resolved yet) count as public: the room is in a directory.
    indexed: room.joinRule === null || room.joinRule === "public",
    joinHref: matrixToRoomLink(room.canonicalAlias ?? room.roomId, room.canonicalAlias ? [] : room.servers),
    archiveUserId: archiveUserId(),
  };
}
