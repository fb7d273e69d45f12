import { z } from "zod";
import type { Db } from "@/lib/db";
import { dayRange, daySchema, timeOfDaySchema } from "@/lib/timeline/day";
import { TimelineError } from "@/lib/timeline/types";

/** An event this much older than the event before it is flagged as having arrived late. */
export const LATE_MS = 10 * 60_000;

const cursorSchema = z.string().regex(/^[ed]:.+$/, "is not a day-page cursor");

const dayWindowInputSchema = z.object({
  roomId: z.string().min(1),
  day: daySchema,
  limit: z.number().int().min(1).max(1000).default(100),
  /** Page after this cursor, or before it, or from the first entry at or after a time of day. */
  after: cursorSchema.optional(),
  before: cursorSchema.optional(),
  at: timeOfDaySchema.optional(),
});
export type DayWindowInput = z.input<typeof dayWindowInputSchema>;

export type DayItem =
  | {
      kind: "event";
      eventId: string;
      type: string;
      sender: string;
      originServerTs: number;
      /** Canonical JSON of the stored PDU (the redacted copy when redacted). */
      pdu: string;
      redacted: boolean;
      deniedReason: string | null;
      /** Its timestamp is well before the event before it: it arrived late and sits where it was slotted in. */
      late: boolean;
      cursor: string;
    }
  | { kind: "denial"; deniedEventId: string; reason: string; ts: number; cursor: string }
  | { kind: "gap"; gapId: string; missingPrevEvents: string[]; unknownSuccessorsOf: string[] };

export interface DayWindow {
  items: DayItem[];
  /** Cursors of the neighbouring pages of the same day, null at the day's ends. */
  prevCursor: string | null;
  nextCursor: string | null;
}

interface EntryRow {
  position: bigint;
  kind: string;
  event_id: string | null;
  denied_event_id: string | null;
  reason: string | null;
  ts: bigint;
  type: string | null;
  sender: string | null;
  pdu: string | null;
  redacted: boolean | null;
  denied_reason: string | null;
  prev_ts: bigint | null;
}

/**
 * One page of a UTC day (design.md "Day pages"): the room's event items whose
 * origin_server_ts falls in the day (and denials recorded that day) in timeline order, the
 * gaps between them, and a gap right before the first or after the last entry. Cursors name
 * events, so a page keeps its content when positions are renumbered.
 */
export async function getDayWindow(db: Db, input: DayWindowInput): Promise<DayWindow> {
  const { roomId, day, limit, after, before, at } = dayWindowInputSchema.parse(input);
  const { start, end } = dayRange(day);
  let backwards = before !== undefined;
  let from: bigint | null = null;
  let inclusive = false;
  if (after ?? before) from = await positionOfCursor(db, roomId, (after ?? before)!);
  else if (at !== undefined) {
    // OFFSET 0 keeps the planner on the (room_id, ts) range instead of walking the whole room
    // in position order looking for the first row of the day.
    const rows = await db.$queryRaw<{ position: bigint | null }[]>`
      SELECT min(position) AS position FROM (
        SELECT position FROM timeline_items WHERE room_id = ${roomId}
          AND ts >= ${start + at}::bigint AND ts < ${end}::bigint OFFSET 0) day`;
    from = rows[0]?.position ?? null;
    inclusive = true;
    // Nothing at or after that time: the day's last page.
    if (from === null) backwards = true;
  }
  const rows = await entries(db, roomId, start, end, from, inclusive, backwards, limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  if (!first || !last) return { items: [], prevCursor: null, nextCursor: null };

  const gaps = await db.$queryRaw<{ id: bigint; position: bigint; missing: string[]; tips: string[] }[]>`
    WITH edges AS (
      SELECT
        (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position < ${first.position}::bigint
          ORDER BY position DESC LIMIT 1) AS lead,
        (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position > ${last.position}::bigint
          ORDER BY position LIMIT 1) AS trail)
    SELECT g.id, g.position, g.missing_prev_events AS missing, g.unknown_successors_of AS tips
    FROM timeline_items g, edges WHERE g.room_id = ${roomId} AND g.kind = 'gap'
      AND (g.position BETWEEN ${first.position}::bigint AND ${last.position}::bigint OR g.position = edges.lead OR g.position = edges.trail)
    ORDER BY g.position`;
  const merged: { position: bigint; item: DayItem }[] = [
    ...page.map((r) => ({ position: r.position, item: toItem(r) })),
    ...gaps.map((g) => ({
      position: g.position,
      item: { kind: "gap" as const, gapId: g.id.toString(), missingPrevEvents: g.missing, unknownSuccessorsOf: g.tips },
    })),
  ].sort((a, b) => (a.position < b.position ? -1 : 1));

  const firstCursor = cursorOf(first);
  const lastCursor = cursorOf(last);
  const hasBefore = backwards ? more : from !== null && (!inclusive || (await hasEntryBefore(db, roomId, start, end, first.position)));
  const hasAfter = backwards ? from !== null : more;
  return {
    items: merged.map((m) => m.item),
    prevCursor: hasBefore ? firstCursor : null,
    nextCursor: hasAfter ? lastCursor : null,
  };
}

async function entries(
  db: Db,
  roomId: string,
  start: bigint,
  end: bigint,
  from: bigint | null,
  inclusive: boolean,
  backwards: boolean,
  take: number,
): Promise<EntryRow[]> {
  const low = from === null || backwards ? null : inclusive ? from : from + 1n;
  const high = backwards && from !== null ? from - 1n : null;
  const rows = await db.$queryRaw<EntryRow[]>`
    SELECT i.position, i.kind, i.event_id, i.denied_event_id, i.reason, i.ts,
      e.type, e.sender, e.pdu, e.redacted, e.denied_reason,
      (SELECT p.ts FROM timeline_items p WHERE p.room_id = i.room_id AND p.kind = 'event' AND p.position < i.position
        ORDER BY p.position DESC LIMIT 1) AS prev_ts
    FROM (SELECT * FROM timeline_items
          WHERE room_id = ${roomId} AND ts >= ${start}::bigint AND ts < ${end}::bigint
            AND (${low}::bigint IS NULL OR position >= ${low}::bigint)
            AND (${high}::bigint IS NULL OR position <= ${high}::bigint)
          ORDER BY CASE WHEN ${backwards} THEN -position ELSE position END LIMIT ${take}::int) i
    LEFT JOIN events e ON e.event_id = i.event_id
    ORDER BY CASE WHEN ${backwards} THEN -i.position ELSE i.position END`;
  return rows;
}

function toItem(r: EntryRow): DayItem {
  if (r.kind === "denial") {
    return { kind: "denial", deniedEventId: r.denied_event_id ?? "", reason: r.reason ?? "", ts: Number(r.ts), cursor: cursorOf(r) };
  }
  return {
    kind: "event",
    eventId: r.event_id ?? "",
    type: r.type ?? "",
    sender: r.sender ?? "",
    originServerTs: Number(r.ts),
    pdu: r.pdu ?? "",
    redacted: r.redacted ?? false,
    deniedReason: r.denied_reason,
    late: r.prev_ts !== null && r.ts + BigInt(LATE_MS) < r.prev_ts,
    cursor: cursorOf(r),
  };
}

const cursorOf = (r: Pick<EntryRow, "kind" | "event_id" | "denied_event_id">) =>
  r.kind === "denial" ? `d:${r.denied_event_id}` : `e:${r.event_id}`;

async function positionOfCursor(db: Db, roomId: string, cursor: string): Promise<bigint> {
  const id = cursor.slice(2);
  const rows = cursor.startsWith("d:")
    ? await db.$queryRaw<{ position: bigint }[]>`
        SELECT position FROM timeline_items WHERE room_id = ${roomId} AND kind = 'denial' AND denied_event_id = ${id}`
    : await db.$queryRaw<{ position: bigint }[]>`
        SELECT position FROM timeline_items WHERE event_id = ${id} AND room_id || '' = ${roomId}`;
  const position = rows[0]?.position;
  if (position === undefined) throw new TimelineError("event_not_found", `cursor ${cursor} names nothing in ${roomId}`);
  return position;
}

async function hasEntryBefore(db: Db, roomId: string, start: bigint, end: bigint, before: bigint): Promise<boolean> {
  const rows = await db.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM timeline_items
    WHERE room_id = ${roomId} AND ts >= ${start}::bigint AND ts < ${end}::bigint
      AND position < ${before}::bigint
    LIMIT 1`;
  return rows.length > 0;
}
