import { isoDate } from "@/lib/archive/day-range";
import { getRoomAccess } from "@/lib/archive/room-access";
import { dayPagePath, roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { MESSAGE_TYPES } from "@/lib/archive/reader-queries";
import type { Db } from "@/lib/db";
import { findDayWithEvents, roomHistoryStart } from "@/lib/timeline";

export type RoomLanding = { status: "ok"; location: string } | { status: "not_found" } | { status: "forbidden" };

/** `/r/{alias}`: the day of the room's latest message (today when it has none yet). */
export async function getRoomLanding(db: Db, ref: RoomRef, now = Date.now()): Promise<RoomLanding> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return { status: access.status };
  const roomId = access.room.roomId;
  const today = isoDate(now);
  // Up to today: a day page after today is refused, so a clock-skewed future event is no landing.
  const day =
    (await findDayWithEvents(db, roomId, today, "at-or-before", MESSAGE_TYPES)) ?? (await findDayWithEvents(db, roomId, today, "at-or-before")) ?? today;
  return { status: "ok", location: dayPagePath(roomBasePath(access.room), day) };
}

/** `/r/{alias}/first`: the first day of the room's history (today when it holds none). */
export async function getRoomFirstDay(db: Db, ref: RoomRef, now = Date.now()): Promise<RoomLanding> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return { status: access.status };
  const start = await roomHistoryStart(db, access.room.roomId);
  const today = isoDate(now);
  const day = start === null ? today : [isoDate(start), today].sort()[0]!;
  return { status: "ok", location: dayPagePath(roomBasePath(access.room), day) };
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The date picker's GET form: `?d=YYYY-MM-DD` → that day's page. Sent without a date, the form
 * leads back to the day it was on (`from`), so a reader stays on the page instead of an error.
 */
export function datePickerLocation(basePath: string, d: string | null, from: string | null = null): string | undefined {
  if (d && ISO_DAY.test(d)) return dayPagePath(basePath, d);
  if (from && ISO_DAY.test(from)) return dayPagePath(basePath, from);
  return undefined;
}
