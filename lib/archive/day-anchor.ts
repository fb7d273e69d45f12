import { formatTimeOfDay, isoDate } from "@/lib/archive/day-range";
import { DAY_PAGE_SIZE } from "@/lib/archive/day-page-size";
import { dayPagePath, eventFragment } from "@/lib/archive/room-paths";
import type { Db } from "@/lib/db";

// Where a message is read: its day page with the message as `#anchor`, and on a busy day (more
// than one page) the day's time form from the message's minute, so the page that holds it stays
// the same. Pages link messages this way rather than through `/event/` permalinks, which only
// redirect here and which robots.txt keeps crawlers out of.

const DAY_MS = 86_400_000;

export function dayAnchorPath(basePath: string, event: { eventId: string; ts: number }, busy: boolean): string {
  const date = isoDate(event.ts);
  const time = busy ? formatTimeOfDay(Math.floor((event.ts - Date.parse(`${date}T00:00:00Z`)) / 60_000)) : null;
  return `${dayPagePath(basePath, date, time)}#${eventFragment(event.eventId)}`;
}

/** Whether each of the given UTC days (`YYYY-MM-DD`) holds more events than one page (one query). */
export async function busyDays(db: Db, roomId: string, days: Iterable<string>): Promise<Map<string, boolean>> {
  const distinct = [...new Set(days)];
  if (distinct.length === 0) return new Map();
  const starts = distinct.map((date) => BigInt(Date.parse(`${date}T00:00:00Z`)));
  // Each count stops one past a page: a busy day is not counted to its end.
  const rows = await db.$queryRaw<Array<{ start: bigint; n: number }>>`
    SELECT d.start, (SELECT count(*) FROM (
      SELECT 1 FROM timeline_items i
      WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.ts >= d.start AND i.ts < d.start + ${BigInt(DAY_MS)}::bigint
      LIMIT ${DAY_PAGE_SIZE + 1}) x)::int AS n
    FROM unnest(${starts}::bigint[]) AS d(start)`;
  const busy = new Map(rows.map((r) => [isoDate(Number(r.start)), Number(r.n) > DAY_PAGE_SIZE]));
  return new Map(distinct.map((date) => [date, busy.get(date) ?? false]));
}

/** A function from an event to its day anchor, for events of the given days. */
export async function dayAnchorsFor(
  db: Db,
  roomId: string,
  basePath: string,
  events: Iterable<{ ts: number }>,
  known: ReadonlyMap<string, boolean> = new Map(),
): Promise<(event: { eventId: string; ts: number }) => string> {
  const days = [...new Set([...events].map((e) => isoDate(e.ts)))].filter((d) => !known.has(d));
  const busy = new Map([...known, ...(await busyDays(db, roomId, days))]);
  return (event) => dayAnchorPath(basePath, event, busy.get(isoDate(event.ts)) ?? false);
}
