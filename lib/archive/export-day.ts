import { z } from "zod";
import { exportItem, type ExportItem } from "@/lib/archive/export-items";
import { isoDate } from "@/lib/archive/day-range";
import { getRoomAccess } from "@/lib/archive/room-access";
import { roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import { displayNamesAt } from "@/lib/ingest/display-names";
import { getDayWindow, historyVisibilityAt, type DayItem } from "@/lib/timeline";

// A day as data (docs/exports.md): the day page's timeline items, in timeline order, with the
// same consent rules as the page: events that were not world-readable where they sit are left
// out, withheld events keep their place without their content, rejected and soft-failed events
// are not in the timeline at all, redacted events carry their redacted content.

export interface DayExport {
  room: { room_id: string; alias: string | null; name: string | null };
  date: string;
  /** The day page this export is of. */
  page: string;
  items: ExportItem[];
  /** The day held more items than an export carries (50,000): the rest is left out. */
  truncated: boolean;
  /** Display names of the day's senders (user ID → name), as the page shows them. */
  names: Record<string, string>;
}

export type DayExportResult = { status: "ok"; export: DayExport } | { status: "not_found" } | { status: "forbidden" };

const exportDateSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const WINDOW = 1000;
/** A day beyond this many windows (50,000 items) is cut short, and the export says so (`truncated`). */
const MAX_WINDOWS = 50;

/** Every item of one UTC day of a room, or why not. A date after today or malformed is not found. */
export async function exportDay(db: Db, ref: RoomRef, date: string, now = Date.now()): Promise<DayExportResult> {
  if (!exportDateSchema.safeParse(date).success || Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || isoDate(Date.parse(`${date}T00:00:00Z`)) !== date) {
    return { status: "not_found" };
  }
  if (date > isoDate(now)) return { status: "not_found" };
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return { status: access.status };
  const room = access.room;
  const items: DayItem[] = [];
  let after: string | undefined;
  let truncated = false;
  for (let n = 0; n < MAX_WINDOWS; n++) {
    const window = await getDayWindow(db, { roomId: room.roomId, day: date, limit: WINDOW, after, denials: true });
    // Pages after the first repeat the gap that bounds them; keep each gap once.
    for (const item of window.items) {
      if (item.kind === "gap" && items.some((i) => i.kind === "gap" && i.gapId === item.gapId)) continue;
      items.push(item);
    }
    if (!window.nextCursor) break;
    after = window.nextCursor;
    truncated = n === MAX_WINDOWS - 1;
  }
  const events = items.flatMap((i) => (i.kind === "event" ? [i] : []));
  const denied = items.flatMap((i) => (i.kind === "denial" ? [i.deniedEventId] : []));
  const visibility = await historyVisibilityAt(db, room.roomId, [...events.map((e) => e.eventId), ...denied]);
  const deniedTs = await db.event.findMany({ where: { roomId: room.roomId, eventId: { in: denied } }, select: { eventId: true, originServerTs: true } });
  const hidden = hiddenEvents(
    [...events.map((e) => ({ eventId: e.eventId, ts: e.originServerTs })), ...deniedTs.map((d) => ({ eventId: d.eventId, ts: Number(d.originServerTs) }))],
    visibility,
    room.worldReadableSince?.getTime() ?? null,
  );
  const shown = items.filter((i) => !(i.kind === "event" && hidden.has(i.eventId)) && !(i.kind === "denial" && hidden.has(i.deniedEventId)));
  const names = await displayNamesAt(
    db,
    room.roomId,
    shown.flatMap((i) => (i.kind === "event" ? [{ eventId: i.eventId, sender: i.sender }] : [])),
  );
  const base = roomBasePath(room);
  return {
    status: "ok",
    export: {
      room: { room_id: room.roomId, alias: room.canonicalAlias, name: room.name },
      date,
      page: `${base}/date/${date.replaceAll("-", "/")}`,
      items: shown.map((i) => exportItem(room.roomId, i)),
      truncated,
      names: Object.fromEntries(names),
    },
  };
}
