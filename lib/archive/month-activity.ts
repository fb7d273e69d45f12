import type { Db } from "@/lib/db";

/** Days (1–31) of a UTC month on which the room has messages the archive holds. */
export async function activeDaysOfMonth(db: Db, roomId: string, year: number, month: number): Promise<number[]> {
  const start = BigInt(Date.UTC(year, month - 1, 1));
  const end = BigInt(Date.UTC(year, month, 1));
  const rows = await db.$queryRaw<Array<{ day: number }>>`
    SELECT DISTINCT (EXTRACT(DAY FROM to_timestamp(i.ts / 1000.0) AT TIME ZONE 'UTC'))::int AS day
    FROM timeline_items i JOIN events e ON e.event_id = i.event_id
    WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.ts >= ${start}::bigint AND i.ts < ${end}::bigint
      AND e.type IN ('m.room.message', 'm.sticker') AND e.denied_reason IS NULL
    ORDER BY 1`;
  return rows.map((r) => Number(r.day));
}

export interface CalendarCell {
  day: number;
  date: string;
  active: boolean;
}

/** Weeks (Monday first) of a UTC month; null cells pad the first and last week. */
export function monthGrid(year: number, month: number, active: readonly number[]): Array<Array<CalendarCell | null>> {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(year, month - 1, 1)).getUTCDay() + 6) % 7;
  const set = new Set(active);
  const cells: Array<CalendarCell | null> = Array.from({ length: lead }, () => null);
  for (let d = 1; d <= days; d++) {
    cells.push({ day: d, date: `${year}-${String(month).padStart(2, "0")}-${String(d).padStart(2, "0")}`, active: set.has(d) });
  }
  while (cells.length % 7 !== 0) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}
