import { getRoomAccess } from "@/lib/archive/room-access";
import { roomBasePath } from "@/lib/archive/room-paths";
import type { Db } from "@/lib/db";

// A room upgrade links two rooms: the old room's tombstone names its successor, the new room's
// create event names its predecessor. Each page shows the link to the other room's archive when
// the archive serves it, else to matrix.to. Which one depends on the other room's row, so a day
// page that shows such a link also declares the other room's cache tag (lib/archive/day-cache.ts):
// the successor's join, or a change of its name or consent, names that tag.

interface RoomLinkView {
  roomId: string;
  /** The other room's name (or address) when the archive serves it, else its room ID. */
  label: string;
  /** Its archive (the successor's first day, the predecessor's latest day) or matrix.to. */
  href: string;
  archived: boolean;
}

export interface RoomUpgradesView {
  /** The room continues in this one (its tombstone's replacement_room). */
  successor: RoomLinkView | null;
  /** The tombstone event: where "This room continues in …" is shown. */
  tombstoneId: string | null;
  /** The room continues the history of this one (its create event's predecessor). */
  predecessor: RoomLinkView | null;
  /** The create event: where "Continued from …" is shown. */
  createId: string | null;
}

const ROOM_ID = /^![^\s]{1,254}$/;

function roomIdIn(value: unknown): string | null {
  return typeof value === "string" && ROOM_ID.test(value) ? value : null;
}

/** Content of a stored PDU; null when its JSON cannot be read. */
function contentOf(pdu: string): Record<string, unknown> | null {
  try {
    const parsed = JSON.parse(pdu) as { content?: unknown };
    return typeof parsed.content === "object" && parsed.content !== null ? (parsed.content as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function roomLink(db: Db, roomId: string, kind: "successor" | "predecessor"): Promise<RoomLinkView> {
  const access = await getRoomAccess(db, { kind: "id", roomId });
  if (access.status === "ok") {
    const base = roomBasePath(access.room);
    return { roomId, label: access.room.name ?? access.room.canonicalAlias ?? roomId, href: kind === "successor" ? `${base}/first` : base, archived: true };
  }
  return { roomId, label: roomId, href: `https://matrix.to/#/${encodeURIComponent(roomId)}`, archived: false };
}

const usable = { rejectedReason: null, softFailedReason: null, deniedReason: null, redacted: false } as const;

export async function roomUpgrades(db: Db, roomId: string): Promise<RoomUpgradesView> {
  const [tombstone, create] = await Promise.all([
    db.event.findFirst({
      where: { roomId, type: "m.room.tombstone", stateKey: "", ...usable },
      orderBy: { depth: "desc" },
      select: { eventId: true, pdu: true },
    }),
    db.event.findFirst({ where: { roomId, type: "m.room.create", stateKey: "", ...usable }, select: { eventId: true, pdu: true } }),
  ]);
  const successorId = tombstone ? roomIdIn(contentOf(tombstone.pdu)?.replacement_room) : null;
  const predecessor = create ? contentOf(create.pdu)?.predecessor : undefined;
  const predecessorId = typeof predecessor === "object" && predecessor !== null ? roomIdIn((predecessor as { room_id?: unknown }).room_id) : null;
  const [successorLink, predecessorLink] = await Promise.all([
    successorId && successorId !== roomId ? roomLink(db, successorId, "successor") : null,
    predecessorId && predecessorId !== roomId ? roomLink(db, predecessorId, "predecessor") : null,
  ]);
  return {
    successor: successorLink,
    tombstoneId: successorLink ? tombstone!.eventId : null,
    predecessor: predecessorLink,
    createId: predecessorLink ? create!.eventId : null,
  };
}
