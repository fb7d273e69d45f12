import { cache } from "react";
import { z } from "zod";
import { urlCursorSchema } from "@/lib/archive/day-cursor";
import { parseDayParams, type DayRef } from "@/lib/archive/day-range";
import { getDayPage, type DayPageResult } from "@/lib/archive/get-day-page";
import { dayViewKey, noteDayViewed } from "@/lib/archive/reader-limits";
import { aliasRefFromParam, roomIdRefFromParam, type RoomRef } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";

// The day routes under /r/{alias} and /roomid/{id} share this: zod on the URL, then one
// getDayPage call memoized per request so generateMetadata and the page share the queries.

// An event ID or `d:` and one (a denial item's cursor); anything else is no cursor, and a cursor
// naming nothing of the room is a bad request (getDayPage).
const cursorSchema = z.object({
  after: urlCursorSchema.optional().catch(undefined),
  before: urlCursorSchema.optional().catch(undefined),
});

export type RoomParamKind = "alias" | "id";

// Keyed by what the URL names (room, day, minute), not by the raw segments: Next hands
// generateMetadata decoded segments (`room:server`, `10T12:00`) and the page encoded ones
// (`room%3Aserver`), so a key on the raw segments missed and every day page ran all of its
// queries twice.
const loadCached = cache(
  async (
    kind: RoomRef["kind"],
    room: string,
    year: number,
    month: number,
    dayOfMonth: number,
    minuteOfDay: number | null,
    after: string | null,
    before: string | null,
  ): Promise<DayPageResult> => {
    const ref: RoomRef = kind === "alias" ? { kind, alias: room } : { kind, roomId: room };
    const day: DayRef = { year, month, day: dayOfMonth, minuteOfDay };
    return getDayPage(getDb(), ref, day, { after, before }, { fill: getEnv().DAY_FILL_ON_VIEW });
  },
);

export function loadDayRoute(
  kind: RoomParamKind,
  params: { room: string; yyyy: string; mm: string; dd: string },
  given: { after?: string; before?: string },
): Promise<DayPageResult> {
  const cursor = cursorSchema.parse(given);
  const ref = kind === "alias" ? aliasRefFromParam(params.room) : roomIdRefFromParam(params.room);
  const day = parseDayParams(params);
  if (!ref) return Promise.resolve({ status: "not_found" });
  // An impossible date of a room that may well exist: a 404 that says nothing about the room.
  if (!day) return Promise.resolve({ status: "bad_request" });
  const room = ref.kind === "alias" ? ref.alias : ref.roomId;
  // proxy.ts no longer counts views of this day against readers (docs/limits.md).
  noteDayViewed(dayViewKey(kind === "alias" ? "r" : "roomid", params.room, `${params.yyyy}-${params.mm}-${params.dd.slice(0, 2)}`));
  return loadCached(ref.kind, room, day.year, day.month, day.day, day.minuteOfDay, cursor.after ?? null, cursor.before ?? null);
}
