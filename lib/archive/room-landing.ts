import { isoDate } from "@/lib/archive/day-range";
import { getRoomAccess } from "@/lib/archive/room-access";
import { dayPagePath, roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { MESSAGE_TYPES } from "@/lib/archive/reader-queries";
import type { Db } from "@/lib/db";
import { findDayWithEvents } from "@/lib/timeline";

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

/** The date picker's GET form: `?d=YYYY-MM-DD` → that day's page. */
export function datePickerLocation(basePath: string, d: string | null): string | undefined {
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return undefined;
  return dayPagePath(basePath, d);
}
