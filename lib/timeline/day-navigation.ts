import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { dayOf, dayRange } from "@/lib/timeline/day";

/**
 * The nearest UTC day, at or before / at or after `day`, with at least one stored event
 * (of one of `types` when given), for the previous/next-day links of a day page.
 */
export async function findDayWithEvents(
  db: Db,
  roomId: string,
  day: string,
  direction: "at-or-before" | "at-or-after",
  types?: readonly string[],
): Promise<string | null> {
  const { start, end } = dayRange(day);
  // The first row of the (room_id, ts) index walked from the day on, not min()/max() over a
  // join: those read every event on that side of the day (a whole 100,000-event room: 110-320
  // ms on Postgres, a hash join of both tables or, as a generic plan, a nested loop over all),
  // where the walk stops at the first event that matches, 0.1 ms. The type filter is in the
  // text only when asked for, as a bound must be under a generic plan (lib/db-statements.ts).
  const filter = types ? Prisma.sql`AND e.type = ANY(${[...types]}::text[])` : Prisma.empty;
  const rows =
    direction === "at-or-after"
      ? await db.$queryRaw<{ ts: bigint | null }[]>`
          SELECT i.ts FROM timeline_items i JOIN events e ON e.event_id = i.event_id
          WHERE i.room_id = ${roomId} AND i.event_id IS NOT NULL AND i.ts >= ${start}::bigint
            ${filter}
          ORDER BY i.ts LIMIT 1`
      : await db.$queryRaw<{ ts: bigint | null }[]>`
          SELECT i.ts FROM timeline_items i JOIN events e ON e.event_id = i.event_id
          WHERE i.room_id = ${roomId} AND i.event_id IS NOT NULL AND i.ts < ${end}::bigint
            ${filter}
          ORDER BY i.ts DESC LIMIT 1`;
  const ts = rows[0]?.ts ?? null;
  return ts === null ? null : dayOf(ts);
}

/** When the newest event the archive placed in the room's timeline was sent (null: none). */
export async function latestEventTs(db: Db, roomId: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ ts: bigint | null }[]>`
    SELECT max(ts) AS ts FROM timeline_items WHERE room_id = ${roomId} AND kind = 'event'`;
  const ts = rows[0]?.ts ?? null;
  return ts === null ? null : Number(ts);
}

/**
 * When the room's history begins, as far as the archive knows: the earlier of its create event
 * and its earliest placed event (an event may claim a time before the room's creation). Null
 * when it holds neither. Day pages before this day are not linked and not served: without the
 * bound, "previous day" links led crawlers through empty days back to 1970.
 */
export async function roomHistoryStart(db: Db, roomId: string): Promise<number | null> {
  const rows = await db.$queryRaw<{ ts: bigint | null }[]>`
    SELECT least(
      (SELECT min(i.ts) FROM timeline_items i WHERE i.room_id = ${roomId} AND i.kind = 'event'),
      (SELECT min(e.origin_server_ts) FROM events e
        WHERE e.room_id = ${roomId} AND e.type = 'm.room.create' AND e.state_key = '' AND e.rejected_reason IS NULL)
    ) AS ts`;
  const ts = rows[0]?.ts ?? null;
  return ts === null ? null : Number(ts);
}
