import { z } from "zod";
import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { dayRange, daySchema, timeOfDaySchema } from "@/lib/timeline/day";
import { TimelineError } from "@/lib/timeline/types";

/** An event this much older than the event before it is flagged as having arrived late. */
const LATE_MS = 10 * 60_000;

const cursorSchema = z.string().regex(/^[ed]:.+$/, "is not a day-page cursor");

const dayWindowInputSchema = z.object({
  roomId: z.string().min(1),
  day: daySchema,
  limit: z.number().int().min(1).max(1000).default(100),
  /** Page after this cursor, or before it, or from the first entry at or after a time of day. */
  after: cursorSchema.optional(),
  before: cursorSchema.optional(),
  at: timeOfDaySchema.optional(),
  /** False leaves denial records out (pages, bounds, cursors): readers show a denied event in place instead. */
  denials: z.boolean().default(true),
});
type DayWindowInput = z.input<typeof dayWindowInputSchema>;

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
      /** A state change that state resolution left out of the room's state: shown in place, marked, with this reason. */
      overruledReason: string | null;
      /**
       * Its timestamp is well before the event right before it or an earlier event of the page:
       * it arrived late and sits where it was slotted in.
       */
      late: boolean;
      cursor: string;
    }
  | { kind: "denial"; deniedEventId: string; reason: string; ts: number; cursor: string }
  | {
      kind: "gap";
      gapId: string;
      missingPrevEvents: string[];
      unknownSuccessorsOf: string[];
      /** origin_server_ts of the nearest event items on each side (null at the room's ends): the span a reader misses. */
      sinceTs: number | null;
      untilTs: number | null;
    };

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
  overruled_reason: string | null;
  prev_ts: bigint | null;
}

/**
 * One page of a UTC day (docs/day-pages.md): the room's event items whose
 * origin_server_ts falls in the day (and denials recorded that day) in timeline order, the
 * gaps between them, and a gap right before the first or after the last entry. Cursors name
 * events, so a page keeps its content when positions are renumbered.
 */
export async function getDayWindow(db: Db, input: DayWindowInput): Promise<DayWindow> {
  const { roomId, day, limit, after, before, at, denials } = dayWindowInputSchema.parse(input);
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
          AND ts >= ${start + at}::bigint AND ts < ${end}::bigint AND (${denials} OR kind <> 'denial') OFFSET 0) day`;
    from = rows[0]?.position ?? null;
    inclusive = true;
    // Nothing at or after that time: the day's last page.
    if (from === null) backwards = true;
  }
  const rows = await entries(db, roomId, start, end, from, inclusive, backwards, limit + 1, denials);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  if (!first || !last) {
    // A day the archive holds nothing of shows the gap it falls in, so a reader (or the day
    // fill) can ask for it; a paged-past end of the day shows nothing.
    const gap = after === undefined && before === undefined ? await gapAroundDay(db, roomId, end, denials) : null;
    return { items: gap ? [gapItem(gap)] : [], prevCursor: null, nextCursor: null };
  }

  const gaps = await db.$queryRaw<GapRow[]>`
    WITH edges AS (
      SELECT
        -- A denial item is a note of when the archive learned something, not history: the gap
        -- next to a day's first or last item is found past it.
        (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position < ${first.position}::bigint
          AND kind <> 'denial' ORDER BY position DESC LIMIT 1) AS lead,
        (SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position > ${last.position}::bigint
          AND kind <> 'denial' ORDER BY position LIMIT 1) AS trail)
    SELECT g.id, g.position, g.missing_prev_events AS missing, g.unknown_successors_of AS tips,
      (SELECT p.ts FROM timeline_items p WHERE p.room_id = g.room_id AND p.kind = 'event' AND p.position < g.position
        ORDER BY p.position DESC LIMIT 1) AS since,
      (SELECT n.ts FROM timeline_items n WHERE n.room_id = g.room_id AND n.kind = 'event' AND n.position > g.position
        ORDER BY n.position LIMIT 1) AS until
    FROM timeline_items g, edges WHERE g.room_id = ${roomId} AND g.kind = 'gap'
      AND (g.position BETWEEN ${first.position}::bigint AND ${last.position}::bigint OR g.position = edges.lead OR g.position = edges.trail)
    ORDER BY g.position`;
  const merged: { position: bigint; item: DayItem }[] = [
    ...toItems(page).map((item, i) => ({ position: page[i]!.position, item })),
    ...gaps.map((g) => ({ position: g.position, item: gapItem(g) })),
  ].sort((a, b) => (a.position < b.position ? -1 : 1));

  const firstCursor = cursorOf(first);
  const lastCursor = cursorOf(last);
  // After a cursor from another day (or the day's last entry), nothing may come before.
  const hasBefore = backwards ? more : from !== null && (await hasEntryBefore(db, roomId, start, end, first.position, denials));
  const hasAfter = backwards ? from !== null : more;
  return {
    items: merged.map((m) => m.item),
    prevCursor: hasBefore ? firstCursor : null,
    nextCursor: hasAfter ? lastCursor : null,
  };
}

interface GapRow {
  id: bigint;
  position: bigint;
  missing: string[];
  tips: string[];
  since: bigint | null;
  until: bigint | null;
}

const gapItem = (g: GapRow): DayItem => ({
  kind: "gap",
  gapId: g.id.toString(),
  missingPrevEvents: g.missing,
  unknownSuccessorsOf: g.tips,
  sinceTs: g.since === null ? null : Number(g.since),
  untilTs: g.until === null ? null : Number(g.until),
});

/**
 * The gap an empty day falls in: the last item before the first event sent after the day (or
 * the room's last item), when it is a gap and the event before it was not sent after the day.
 */
async function gapAroundDay(db: Db, roomId: string, end: bigint, denials: boolean): Promise<GapRow | null> {
  const next = await db.$queryRaw<{ position: bigint }[]>`
    SELECT position FROM timeline_items WHERE room_id = ${roomId} AND kind = 'event' AND ts >= ${end}::bigint
    ORDER BY ts LIMIT 1`;
  const below = next[0]?.position ?? null;
  // A bound that may be absent is left out of the text rather than written `$n IS NULL OR …`:
  // a generic plan (named statements on Postgres, lib/db-statements.ts) cannot drop that OR,
  // so the bound stopped being where the index scan starts and became a filter on every item
  // above it (15 ms in a 100,000-event room against 1 ms).
  const rows = await db.$queryRaw<GapRow[]>`
    SELECT g.id, g.position, g.missing_prev_events AS missing, g.unknown_successors_of AS tips,
      (SELECT p.ts FROM timeline_items p WHERE p.room_id = g.room_id AND p.kind = 'event' AND p.position < g.position
        ORDER BY p.position DESC LIMIT 1) AS since,
      (SELECT n.ts FROM timeline_items n WHERE n.room_id = g.room_id AND n.kind = 'event' AND n.position > g.position
        ORDER BY n.position LIMIT 1) AS until
    FROM (SELECT * FROM timeline_items WHERE room_id = ${roomId} AND (${denials} OR kind <> 'denial')
            ${below === null ? Prisma.empty : Prisma.sql`AND position < ${below}::bigint`}
          ORDER BY position DESC LIMIT 1) g
    WHERE g.kind = 'gap'`;
  const gap = rows[0];
  return gap && (gap.since === null || gap.since < end) ? gap : null;
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
  denials: boolean,
): Promise<EntryRow[]> {
  const low = from === null || backwards ? null : inclusive ? from : from + 1n;
  const high = backwards && from !== null ? from - 1n : null;
  // Bounds left out when absent, as in gapAroundDay.
  const rows = await db.$queryRaw<EntryRow[]>`
    SELECT i.position, i.kind, i.event_id, i.denied_event_id, i.reason, i.ts,
      e.type, e.sender, e.pdu, e.redacted, e.denied_reason, e.overruled_reason,
      (SELECT p.ts FROM timeline_items p WHERE p.room_id = i.room_id AND p.kind = 'event' AND p.position < i.position
        ORDER BY p.position DESC LIMIT 1) AS prev_ts
    FROM (SELECT * FROM timeline_items
          WHERE room_id = ${roomId} AND ts >= ${start}::bigint AND ts < ${end}::bigint
            AND (${denials} OR kind <> 'denial')
            ${low === null ? Prisma.empty : Prisma.sql`AND position >= ${low}::bigint`}
            ${high === null ? Prisma.empty : Prisma.sql`AND position <= ${high}::bigint`}
          ORDER BY CASE WHEN ${backwards} THEN -position ELSE position END LIMIT ${take}::int) i
    LEFT JOIN events e ON e.event_id = i.event_id
    ORDER BY CASE WHEN ${backwards} THEN -i.position ELSE i.position END`;
  return rows;
}

/**
 * Items of a page in order. An event is late when sent well before the newest event seen so
 * far: the one right before each entry (any day) and the page's earlier events, so a whole run
 * slotted in behind newer messages is flagged, not only its first event.
 */
function toItems(page: readonly EntryRow[]): DayItem[] {
  let newest: bigint | null = null;
  return page.map((r) => {
    if (r.kind !== "event") return toItem(r, false);
    if (r.prev_ts !== null && (newest === null || r.prev_ts > newest)) newest = r.prev_ts;
    const late = newest !== null && r.ts + BigInt(LATE_MS) < newest;
    if (newest === null || r.ts > newest) newest = r.ts;
    return toItem(r, late);
  });
}

function toItem(r: EntryRow, late: boolean): DayItem {
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
    overruledReason: r.overruled_reason ?? null,
    late,
    cursor: cursorOf(r),
  };
}

const cursorOf = (r: Pick<EntryRow, "kind" | "event_id" | "denied_event_id">) => (r.kind === "denial" ? `d:${r.denied_event_id}` : `e:${r.event_id}`);

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

async function hasEntryBefore(db: Db, roomId: string, start: bigint, end: bigint, before: bigint, denials: boolean): Promise<boolean> {
  const rows = await db.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM timeline_items
    WHERE room_id = ${roomId} AND ts >= ${start}::bigint AND ts < ${end}::bigint
      AND (${denials} OR kind <> 'denial') AND position < ${before}::bigint
    LIMIT 1`;
  return rows.length > 0;
}
