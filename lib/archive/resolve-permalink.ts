import { DAY_PAGE_SIZE } from "@/lib/archive/get-day-page";
import { formatTimeOfDay, isoDate } from "@/lib/archive/day-range";
import { getRoomAccess } from "@/lib/archive/room-access";
import { dayPagePath, eventFragment, roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import { historyVisibilityAt } from "@/lib/timeline";

export type PermalinkResult = { status: "ok"; location: string } | { status: "not_found" } | { status: "forbidden" };

/**
 * Where a message lives: its day page (the time form on a busy day, so the page that holds it
 * stays the same) with `#<event id>` as the anchor, which the page highlights with :target.
 */
export async function resolvePermalink(db: Db, ref: RoomRef, eventId: string): Promise<PermalinkResult> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return access.status === "forbidden" ? { status: "forbidden" } : access;
  const room = access.room;
  // A withheld event keeps its place (a note without its content), which denial items link to.
  const item = await db.timelineItem.findFirst({
    where: { roomId: room.roomId, eventId, kind: "event" },
    select: { ts: true },
  });
  if (!item || item.ts === null) return { status: "not_found" };
  const ts = Number(item.ts);
  const hidden = hiddenEvents([{ eventId, ts }], await historyVisibilityAt(db, room.roomId, [eventId]), room.worldReadableSince?.getTime() ?? null);
  if (hidden.size > 0) return { status: "not_found" };
  const date = isoDate(ts);
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  const dayCount = await db.timelineItem.count({
    where: { roomId: room.roomId, kind: "event", ts: { gte: BigInt(dayStart), lt: BigInt(dayStart + 86_400_000) } },
  });
  const time = dayCount > DAY_PAGE_SIZE ? formatTimeOfDay(Math.floor((ts - dayStart) / 60_000)) : null;
  return { status: "ok", location: `${dayPagePath(roomBasePath(room), date, time)}#${eventFragment(eventId)}` };
}
