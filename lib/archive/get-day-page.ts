import { buildDayItems, type WindowItem } from "@/lib/archive/build-day-items";
import { dayAnchorPath, dayAnchorsFor } from "@/lib/archive/day-anchor";
import { DAY_PAGE_SIZE } from "@/lib/archive/day-page-size";
import { getConsent } from "@/lib/archive/consent";
import { timelineCursorOf, urlCursorOf, urlCursorSchema } from "@/lib/archive/day-cursor";
import { addDays, dayBounds, formatTimeOfDay, isoDate, refToDate, type DayRef } from "@/lib/archive/day-range";
import { dayMayHoldEvents, fillDayOnView } from "@/lib/archive/fill-day";
import { activeDaysOfMonth, monthGrid } from "@/lib/archive/month-activity";
import { getRoomAccess, type ArchiveRoom } from "@/lib/archive/room-access";
import { roomUpgrades } from "@/lib/archive/room-upgrades";
import { dayPagePath, roomBasePath, threadPagePath, type RoomRef } from "@/lib/archive/room-paths";
import { eventContent, quoteTargetOf, storedEventFromItem, type StoredEvent } from "@/lib/archive/stored-event";
import { busyHours, loadEvents, loadRelations, MESSAGE_TYPES } from "@/lib/archive/reader-queries";
import { displayNamesAt, memberProfilesAt } from "@/lib/ingest/display-names";
import { userIdsIn } from "@/lib/archive/named-text";
import { mediaPath } from "@/lib/render/media-path";
import type { CalendarView, DayPageView, GapItemView, RoomHeaderView } from "@/lib/archive/view-types";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import {
  findDayWithEvents,
  getDayWindow,
  latestEventTs,
  historyVisibilityAt,
  roomHistoryStart,
  threadSummaries,
  TimelineError,
  type DayItem,
  type DayWindow,
} from "@/lib/timeline";

/** `?after=`/`?before=` of a day URL: an event ID, or `d:` and a denied event's ID (lib/archive/day-cursor.ts). */
export interface DayCursor {
  after: string | null;
  before: string | null;
}

export type DayPageResult =
  | { status: "ok"; page: DayPageView }
  | { status: "not_found" }
  | { status: "forbidden"; room: RoomHeaderView }
  /** A future date, or a cursor naming no event of this room. */
  | { status: "bad_request" }
  /** A day before the room's history begins (404; the not-found page links the room's first day). */
  | { status: "before_start" };

export function roomHeader(room: ArchiveRoom): RoomHeaderView {
  return {
    roomId: room.roomId,
    alias: room.canonicalAlias,
    name: room.name ?? room.canonicalAlias ?? room.roomId,
    topic: room.topic,
    basePath: roomBasePath(room),
  };
}

export function relationTargets(events: Iterable<StoredEvent>, relations: readonly StoredEvent[]) {
  const edits = new Map<string, StoredEvent[]>();
  const reactions = new Map<string, StoredEvent[]>();
  for (const r of relations) {
    const rel = eventContent(r)["m.relates_to"] as { rel_type?: unknown; event_id?: unknown } | undefined;
    if (typeof rel?.event_id !== "string") continue;
    const map = rel.rel_type === "m.replace" ? edits : rel.rel_type === "m.annotation" ? reactions : null;
    map?.set(rel.event_id, [...(map.get(rel.event_id) ?? []), r]);
  }
  const quotedIds = new Set<string>();
  for (const e of events) {
    const target = quoteTargetOf(eventContent(e));
    if (target) quotedIds.add(target.eventId);
  }
  return { edits, reactions, quotedIds };
}

// One formatter for the process: toLocaleDateString builds a new Intl formatter on every call (~1 ms).
const monthLabel = new Intl.DateTimeFormat("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });

function calendarView(basePath: string, day: DayRef, activeDays: number[], today: string, firstDay: string | null): CalendarView {
  const first = (y: number, m: number) => isoDate(Date.UTC(y, m - 1, 1));
  const prev = day.month === 1 ? first(day.year - 1, 12) : first(day.year, day.month - 1);
  const next = day.month === 12 ? first(day.year + 1, 1) : first(day.year, day.month + 1);
  // The previous month is linked only when some of it lies within the room's history, and then
  // its first day that does (a month before the room's creation would be a page nobody serves).
  const prevMonthEnd = addDays(first(day.year, day.month), -1);
  const prevTarget = firstDay === null ? prev : prevMonthEnd < firstDay ? null : prev < firstDay ? firstDay : prev;
  return {
    label: monthLabel.format(new Date(Date.UTC(day.year, day.month - 1, 1))),
    weeks: monthGrid(day.year, day.month, activeDays),
    previousMonthHref: prevTarget === null ? null : dayPagePath(basePath, prevTarget),
    nextMonthHref: next <= today ? dayPagePath(basePath, next) : null,
  };
}

/** One page of a day from the timeline, or null when a cursor is malformed or names nothing of the room. */
async function readWindow(db: Db, roomId: string, date: string, day: DayRef, cursor: DayCursor): Promise<DayWindow | null> {
  const before = cursor.before ? urlCursorSchema.safeParse(cursor.before) : null;
  const after = cursor.after && !cursor.before ? urlCursorSchema.safeParse(cursor.after) : null;
  if (before?.success === false || after?.success === false) return null;
  try {
    return await getDayWindow(db, {
      roomId,
      day: date,
      limit: DAY_PAGE_SIZE,
      // URLs carry bare event IDs, or `d:` and one for a denial item; the timeline's cursors say what they name.
      before: before ? timelineCursorOf(before.data) : undefined,
      after: after ? timelineCursorOf(after.data) : undefined,
      at: day.minuteOfDay ? formatTimeOfDay(day.minuteOfDay) : undefined,
      // A denied event stays in place, withheld or marked overruled; its denial item shows where
      // the archive learned it (nothing is silently dropped, and pages keep their order).
      denials: true,
    });
  } catch (err) {
    if (err instanceof TimelineError && err.code === "event_not_found") return null;
    throw err;
  }
}

/** Where a gap sits on the page: the gap-item wording depends on it. */
function gapEdges(items: readonly DayItem[]): Map<string, GapItemView["edge"]> {
  const first = items.findIndex((i) => i.kind !== "gap");
  const last = items.findLastIndex((i) => i.kind !== "gap");
  return new Map(
    items.flatMap((i, n) => (i.kind === "gap" ? [[i.gapId, first === -1 ? "day" : n < first ? "leading" : n > last ? "trailing" : "inner"] as const] : [])),
  );
}

/** Everything a day page shows; the page only renders it. */
export interface DayPageOptions {
  /** Run the day fill over federation first (bounded wait); off in tests of the reading side. */
  fill?: boolean;
  now?: number;
}

export async function getDayPage(db: Db, ref: RoomRef, day: DayRef, cursor: DayCursor, options: DayPageOptions = {}): Promise<DayPageResult> {
  const now = options.now ?? Date.now();
  const access = await getRoomAccess(db, ref);
  if (access.status === "not_found") return access;
  if (access.status === "forbidden") return { status: "forbidden", room: roomHeader(access.room) };
  const room = access.room;
  const header = roomHeader(room);
  const date = refToDate(day);
  const today = isoDate(now);
  if (date > today) return { status: "bad_request" };
  const historyStart = await roomHistoryStart(db, room.roomId);
  // Today is always served (the landing goes there while a room holds nothing yet).
  const firstDay = historyStart === null ? null : [isoDate(historyStart), today].sort()[0]!;
  if (firstDay !== null && date < firstDay) return { status: "before_start" };
  const { start, end } = dayBounds(day);
  // A day before the room's creation has nothing to fill: no server is asked about it.
  if (options.fill && (await dayMayHoldEvents(db, room.roomId, start, end, now))) await fillDayOnView(room, start, end);

  const window = await readWindow(db, room.roomId, date, day, cursor);
  if (!window) return { status: "bad_request" };
  const eventItems = window.items.flatMap((i) => (i.kind === "event" ? [i] : []));
  // The window already carries each event's PDU: no second read of the same 150 rows.
  const events = new Map(eventItems.filter((i) => i.type !== "").map((i) => [i.eventId, storedEventFromItem(i)] as const));
  const [relations, threads] = await Promise.all([loadRelations(db, room.roomId, [...events.keys()]), threadSummaries(db, room.roomId, [...events.keys()])]);
  const { edits, reactions, quotedIds } = relationTargets(events.values(), relations);
  const denialItems = window.items.flatMap((i) => (i.kind === "denial" ? [i] : []));
  const [quoted, denied] = await Promise.all([
    loadEvents(db, room.roomId, [...quotedIds]),
    // Denied events of other pages or days, for the denial items' links and visibility.
    loadEvents(
      db,
      room.roomId,
      denialItems.map((i) => i.deniedEventId).filter((id) => !events.has(id)),
      { withDenied: true },
    ),
  ]);
  const shown = [...eventItems.map((i) => ({ eventId: i.eventId, ts: i.originServerTs })), ...quoted.values(), ...denied.values()];

  const [visibility, previous, next, hours, activeDays, otherDayAnchor, upgrades, lastHeard] = await Promise.all([
    historyVisibilityAt(
      db,
      room.roomId,
      shown.map((e) => e.eventId),
    ),
    findDayWithEvents(db, room.roomId, addDays(date, -1), "at-or-before", MESSAGE_TYPES),
    findDayWithEvents(db, room.roomId, addDays(date, 1), "at-or-after", MESSAGE_TYPES),
    busyHours(db, room.roomId, start, DAY_PAGE_SIZE),
    activeDaysOfMonth(db, room.roomId, day.year, day.month),
    dayAnchorsFor(
      db,
      room.roomId,
      header.basePath,
      [...quoted.values(), ...denied.values()].filter((e) => isoDate(e.ts) !== date),
    ),
    roomUpgrades(db, room.roomId),
    latestEventTs(db, room.roomId),
  ]);
  // This day's busy state is known from its hours (busyHours counts the same way).
  const anchorOf = (e: { eventId: string; ts: number }) => (isoDate(e.ts) === date ? dayAnchorPath(header.basePath, e, hours.length > 0) : otherDayAnchor(e));
  const hidden = hiddenEvents(shown, visibility, room.worldReadableSince?.getTime() ?? null);
  const { names, avatars } = await memberProfilesAt(
    db,
    room.roomId,
    [...events.values(), ...quoted.values()].map((e) => ({ eventId: e.eventId, sender: e.sender })),
  );
  // The users the overruled and denial sentences name who sent nothing on this page: their
  // names in the state at the event the sentence is about.
  const unnamed = [
    ...eventItems.flatMap((i) => (i.overruledReason !== null ? [{ eventId: i.eventId, reason: i.overruledReason }] : [])),
    ...denialItems.map((i) => ({ eventId: i.deniedEventId, reason: i.reason })),
  ].flatMap(({ eventId, reason }) => userIdsIn(reason).flatMap((sender) => (names.has(sender) ? [] : [{ eventId, sender }])));
  for (const [userId, name] of await displayNamesAt(db, room.roomId, unnamed)) names.set(userId, name);

  const edges = gapEdges(window.items);
  const items = window.items.flatMap((i): WindowItem[] =>
    i.kind === "event"
      ? [{ kind: "event", eventId: i.eventId }]
      : i.kind === "gap"
        ? [{ kind: "gap", gapId: i.gapId, edge: edges.get(i.gapId) ?? "inner", sinceTs: i.sinceTs, untilTs: i.untilTs }]
        : [{ kind: "denial", deniedEventId: i.deniedEventId, reason: i.reason, ts: i.ts }],
  );
  const dayItems = buildDayItems({
    items,
    events,
    withheld: new Map([...events.values()].flatMap((e) => (e.deniedReason !== null ? [[e.eventId, e.deniedReason] as const] : []))),
    overruled: new Map(eventItems.flatMap((i) => (i.overruledReason !== null ? [[i.eventId, i.overruledReason] as const] : []))),
    denied,
    edits,
    reactions,
    quoted,
    names,
    hidden,
    late: new Set(eventItems.flatMap((i) => (i.late ? [i.eventId] : []))),
    permalink: anchorOf,
    threads,
    threadPath: (rootId) => threadPagePath(header.basePath, rootId),
  });
  const earlier = urlCursorOf(window.prevCursor);
  const later = urlCursorOf(window.nextCursor);

  const time = day.minuteOfDay !== null ? formatTimeOfDay(day.minuteOfDay) : null;
  const pagePath = dayPagePath(header.basePath, date);
  const nextDay = addDays(date, 1);
  return {
    status: "ok",
    page: {
      room: header,
      date,
      time,
      canonicalPath: cursor.after || cursor.before ? pagePath : dayPagePath(header.basePath, date, time),
      viaCursor: Boolean(cursor.after || cursor.before),
      items: dayItems,
      messageCount: dayItems.filter((i) => i.kind === "message").length,
      nav: {
        date,
        previousDay: firstDay !== null && date <= firstDay ? null : addDays(date, -1),
        firstDayHref: firstDay !== null && date > firstDay ? dayPagePath(header.basePath, firstDay) : null,
        nextDay: nextDay <= today ? nextDay : null,
        previousActivityHref: previous !== null ? dayPagePath(header.basePath, previous) : null,
        nextActivityHref: next !== null ? dayPagePath(header.basePath, next) : null,
        continuedIn: next === null && upgrades.successor ? { label: upgrades.successor.label, href: upgrades.successor.href } : null,
        earlierPageHref: earlier ? `${pagePath}?before=${encodeURIComponent(earlier)}` : null,
        laterPageHref: later ? `${pagePath}?after=${encodeURIComponent(later)}` : null,
        hours: hours.map((h) => {
          const label = `${String(h).padStart(2, "0")}:00`;
          return { label, href: dayPagePath(header.basePath, date, label) };
        }),
      },
      consent: getConsent(room),
      calendar: calendarView(header.basePath, day, activeDays, today, firstDay),
      isToday: date === today,
      quotedDays: [...new Set([...quoted.values()].map((e) => isoDate(e.ts)))].sort(),
      upgrades,
      lastHeardTs: next === null ? lastHeard : null,
      avatars: avatarPaths(avatars, events.values()),
    },
  };
}

/** The senders' avatars as proxy paths of the smallest thumbnail (blank when it cannot be had); an avatar that is no valid mxc URI is none. */
function avatarPaths(avatars: ReadonlyMap<string, string>, events: Iterable<{ sender: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of events) {
    const uri = avatars.get(e.sender);
    const path = uri === undefined || e.sender in out ? undefined : mediaPath(uri, { thumbnail: { width: 32, height: 32 }, blankIfMissing: true });
    if (path !== undefined) out[e.sender] = path;
  }
  return out;
}
