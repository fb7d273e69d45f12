import { busyDays, dayAnchorPath } from "@/lib/archive/day-anchor";
import { isoDate } from "@/lib/archive/day-range";
import { getRoomAccess } from "@/lib/archive/room-access";
import { roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import { historyVisibilityAt } from "@/lib/timeline";

export type PermalinkResult = { status: "ok"; location: string } | { status: "not_found" } | { status: "forbidden" };

/**
 * The event a page shows for `eventId`: edits, reactions and redactions have no element of
 * their own (they change the message they act on), so their permalinks land on that message.
 * One step only, within the room, and only when the target is placed in the timeline.
 */
async function shownEventOf(db: Db, roomId: string, eventId: string): Promise<string> {
  const event = await db.event.findFirst({ where: { roomId, eventId }, select: { type: true, redacts: true, relatesTo: true, relType: true } });
  if (!event) return eventId;
  const target = event.type === "m.room.redaction" ? event.redacts : event.relType === "m.replace" || event.relType === "m.annotation" ? event.relatesTo : null;
  if (!target) return eventId;
  const placed = await db.timelineItem.findFirst({ where: { roomId, eventId: target, kind: "event" }, select: { id: true } });
  return placed ? target : eventId;
}

/**
 * Where a message lives: its day page (the time form on a busy day, so the page that holds it
 * stays the same) with `#<event id>` as the anchor, which the page highlights with :target.
 */
export async function resolvePermalink(db: Db, ref: RoomRef, requestedId: string): Promise<PermalinkResult> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return access.status === "forbidden" ? { status: "forbidden" } : access;
  const room = access.room;
  const eventId = await shownEventOf(db, room.roomId, requestedId);
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
  const busy = (await busyDays(db, room.roomId, [date])).get(date) ?? false;
  return { status: "ok", location: dayAnchorPath(roomBasePath(room), { eventId, ts }, busy) };
}
