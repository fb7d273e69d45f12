import type { Prisma } from "@/lib/generated/prisma/client";
import { appendInvalidation, invalidationParts } from "@/lib/page-cache/log";
import { dayTag, latestTag, navTag, quoteAnyTag, quoteTag, roomTag } from "@/lib/page-cache/tags";
import { dayOf, dayRange } from "@/lib/timeline/day";
import type { Tx } from "@/lib/timeline/db-types";
import type { Arrival, TimelineEventInput } from "@/lib/timeline/types";

// What each timeline write changed on the rendered pages (docs/page-cache.md). A write names
// the cache tags of the pages it changed; withRoomLock writes them to the invalidation log as
// the last step of its transaction, so the log entry commits or rolls back with the write and
// no reader can see the new rows while a cache still answers with the old page.

/** What a transaction changed so far; soft while every change was (see appendInvalidation). */
const pending = new WeakMap<object, { tags: Set<string>; soft: boolean }>();

/** Starts collecting the page changes of a room-locked transaction. */
export function beginPageChanges(tx: Tx): void {
  pending.set(tx, { tags: new Set(), soft: true });
}

/** Writes what the transaction collected (the caller's last statement before commit). */
export async function flushPageChanges(tx: Tx): Promise<void> {
  const changes = pending.get(tx);
  pending.delete(tx);
  if (changes && changes.tags.size > 0) await appendInvalidation(tx, [...changes.tags], changes.soft);
}

/**
 * Names tags the running write changed. Inside withRoomLock they are collected and written
 * once at its end (soft only if every change was); anywhere else (a caller's own transaction)
 * they are written right away.
 */
async function notePageChanges(tx: Tx, tags: Iterable<string>, soft = false): Promise<void> {
  const collected = pending.get(tx);
  if (collected) {
    for (const tag of tags) collected.tags.add(tag);
    collected.soft &&= soft;
    return;
  }
  await appendInvalidation(tx, [...new Set(tags)], soft);
}

/** Every cached page of a room changed (its header, its consent, or history in the middle). */
export function noteRoomChanged(tx: Tx, roomId: string): Promise<void> {
  return notePageChanges(tx, [roomTag(roomId)]);
}

// State whose change shows in every page's header, footer or navigation (name, topic, alias,
// consent, an upgrade).
const HEADER_STATE = new Set([
  "m.room.name",
  "m.room.topic",
  "m.room.canonical_alias",
  "m.room.avatar",
  "m.room.history_visibility",
  "m.room.join_rules",
  "m.room.create",
  // An upgrade: every page's day navigation leads on to the successor past the last day.
  "m.room.tombstone",
]);
export const MESSAGE_TYPES = ["m.room.message", "m.sticker"];

interface PageChanges {
  tags: Set<string>;
  soft: boolean;
}

/** What an insert knows already about where its batch went (see noteInsertChanges). */
interface InsertKnown {
  /** The batch went at the room's end (nothing after it). */
  atEnd: boolean;
  /** Per day, whether the timeline held events and messages before the batch. */
  days: ReadonlyMap<string, { any: boolean; messages: boolean }>;
}

/**
 * The page changes of an insert of placed events. The common case, live events appended at
 * the end of the timeline without touching a gap, changes only the days they were sent on (and
 * the days of the messages they edit, react to or redact, and pages quoting those), the room's
 * newest-messages views, and, when a day gets its first message, navigation and calendars.
 * Anything else (events placed before others, gaps created or filled) can change every later
 * page (display names and visibility come from the state at each place), so the whole room.
 * An append of today's events that relate to nothing earlier is soft: while a page it changes is
 * rendered again, the render before may answer concurrent requests (docs/page-cache.md).
 */
export async function noteInsertChanges(
  tx: Tx,
  roomId: string,
  arrival: Arrival,
  placed: readonly TimelineEventInput[],
  /** Events the batch edits, reacts to or redacts (m.relates_to targets and redacts). */
  targets: readonly string[],
  gapsChanged: boolean,
  /** What the write knows already; unknown parts are read. */
  known?: InsertKnown,
): Promise<void> {
  const changes = await insertChanges(tx, roomId, arrival, placed, targets, gapsChanged, known);
  if (changes && changes.tags.size > 0) await notePageChanges(tx, changes.tags, changes.soft);
}

/**
 * noteInsertChanges worked out before the insert's write, without reading: undefined when it
 * would have to read (it reads the written rows or the stored targets).
 */
export function knownInsertChanges(
  roomId: string,
  arrival: Arrival,
  placed: readonly TimelineEventInput[],
  targets: readonly string[],
  gapsChanged: boolean,
  known: InsertKnown,
): Promise<PageChanges | undefined> {
  return insertChanges(null, roomId, arrival, placed, targets, gapsChanged, known);
}

/** The tags an insert changed; `tx` null: undefined wherever a read would be needed. */
async function insertChanges(
  tx: Tx | null,
  roomId: string,
  arrival: Arrival,
  placed: readonly TimelineEventInput[],
  targets: readonly string[],
  gapsChanged: boolean,
  known: InsertKnown | undefined,
): Promise<PageChanges | undefined> {
  const room = { tags: new Set([roomTag(roomId)]), soft: false };
  if (placed.length === 0) return gapsChanged ? room : { tags: new Set(), soft: true };
  const ids = placed.map((e) => e.eventId);
  if (arrival.kind !== "live" || gapsChanged || placed.some((e) => e.stateKey !== null && HEADER_STATE.has(e.type))) return room;
  if (!known?.atEnd) {
    if (!tx) return undefined;
    if (await anythingAfter(tx, roomId, ids)) return room;
  }
  const tags = new Set<string>([latestTag(roomId)]);
  const days = new Set(placed.map((e) => dayOf(e.originServerTs)));
  for (const day of days) {
    tags.add(dayTag(roomId, day));
    let had = known?.days.get(day);
    if (!had) {
      if (!tx) return undefined;
      had = await dayHad(tx, roomId, day, ids);
    }
    if (firstOfDay(day, had, placed)) tags.add(navTag(roomId));
  }
  if (targets.length > 0) {
    if (!tx) return undefined;
    const rows = await tx.$queryRaw<{ origin_server_ts: bigint }[]>`
      SELECT origin_server_ts FROM events WHERE event_id = ANY(${[...new Set(targets)]}::text[]) AND room_id || '' = ${roomId}`;
    for (const r of rows) {
      tags.add(dayTag(roomId, dayOf(r.origin_server_ts)));
      tags.add(quoteTag(roomId, dayOf(r.origin_server_ts)));
    }
    if (rows.length > 0) tags.add(quoteAnyTag(roomId));
  }
  const today = dayOf(BigInt(Date.now()));
  return { tags, soft: targets.length === 0 && [...days].every((d) => d === today) };
}

/**
 * The invalidation log entry of a room-locked transaction as parts (CTEs) of its last
 * statement, which saves the statement of its own that withRoomLock's flush would send: the
 * entry appendInvalidation writes (lib/page-cache/log.ts), with what the transaction collected
 * so far and `changes`, which then leaves the flush nothing to write. Undefined outside
 * withRoomLock (there changes are written as they are noted). Only for a statement that nothing
 * but the commit follows: from the epoch row's update on, every writer of every room waits.
 */
export function finalPageChanges(tx: Tx, changes: PageChanges): Prisma.Sql[] | undefined {
  const collected = pending.get(tx);
  if (!collected) return undefined;
  const tags = [...new Set([...collected.tags, ...changes.tags])];
  const soft = collected.soft && changes.soft;
  collected.tags.clear();
  collected.soft = true;
  return tags.length === 0 ? [] : invalidationParts(tags, soft);
}

/** Whether an event or gap item lies after the batch (then the batch is not an append). */
async function anythingAfter(tx: Tx, roomId: string, ids: string[]): Promise<boolean> {
  const rows = await tx.$queryRaw<{ after: boolean }[]>`
    SELECT EXISTS (
      SELECT 1 FROM timeline_items i
      WHERE i.room_id = ${roomId} AND i.kind <> 'denial' AND NOT (i.event_id = ANY(${ids}::text[]))
        AND i.position > (SELECT max(position) FROM timeline_items WHERE event_id = ANY(${ids}::text[]) AND room_id || '' = ${roomId})
    ) AS after`;
  return rows[0]?.after ?? false;
}

/** Whether the day had events, and messages, besides the batch's. */
async function dayHad(tx: Tx, roomId: string, day: string, ids: string[]): Promise<{ any: boolean; messages: boolean } | undefined> {
  const { start, end } = dayRange(day);
  const rows = await tx.$queryRaw<{ any: boolean; messages: boolean }[]>`
    SELECT
      EXISTS (SELECT 1 FROM timeline_items i WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.ts >= ${start}::bigint AND i.ts < ${end}::bigint
        AND NOT (i.event_id = ANY(${ids}::text[]))) AS any,
      EXISTS (SELECT 1 FROM timeline_items i JOIN events e ON e.event_id = i.event_id
        WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.ts >= ${start}::bigint AND i.ts < ${end}::bigint
          AND NOT (i.event_id = ANY(${ids}::text[])) AND e.type = ANY(${MESSAGE_TYPES}::text[])) AS messages`;
  return rows[0];
}

/** Whether the batch brings the day its first event, or its first message (calendars count messages). */
function firstOfDay(day: string, had: { any: boolean; messages: boolean } | undefined, placed: readonly TimelineEventInput[]): boolean {
  if (!had?.any) return true;
  return !had.messages && placed.some((e) => dayOf(e.originServerTs) === day && MESSAGE_TYPES.includes(e.type));
}
