import type { Db } from "@/lib/db";
import type { StoredEvent } from "@/lib/archive/stored-event";

// Read-only queries over timeline_items for the day pages. lib/timeline owns every write; these
// reads live here until its getDayWindow/findDayWithEvents land (then this file shrinks to them).

export interface ItemRow {
  id: bigint;
  position: bigint;
  kind: string;
  eventId: string | null;
  ts: bigint | null;
}

export interface WindowRequest {
  roomId: string;
  start: number;
  end: number;
  /** Start at the first of the day's events at or after this time (the T{hh}:{mm} form). */
  from: number;
  after: string | null;
  before: string | null;
  limit: number;
}

export interface DayWindow {
  /** Event and gap items in position order, gaps tagged with their place. */
  items: Array<{ kind: "event"; eventId: string; position: bigint; ts: number } | { kind: "gap"; gapId: string; position: bigint; edge: "leading" | "inner" | "trailing" | "day" }>;
  /** First and last shown event IDs, for the cursors of the earlier and later pages. */
  firstEventId: string | null;
  lastEventId: string | null;
  hasEarlier: boolean;
  hasLater: boolean;
}

async function positionOf(db: Db, roomId: string, eventId: string): Promise<bigint | null> {
  const row = await db.timelineItem.findFirst({ where: { roomId, eventId, kind: "event" }, select: { position: true } });
  return row?.position ?? null;
}

async function dayEvents(db: Db, req: WindowRequest): Promise<{ rows: ItemRow[]; hasEarlier: boolean; hasLater: boolean } | null> {
  const where = { roomId: req.roomId, kind: "event", ts: { gte: BigInt(req.start), lt: BigInt(req.end) } };
  const select = { id: true, position: true, kind: true, eventId: true, ts: true } as const;
  if (req.before) {
    const pos = await positionOf(db, req.roomId, req.before);
    if (pos === null) return null;
    const rows = await db.timelineItem.findMany({ where: { ...where, position: { lt: pos } }, orderBy: { position: "desc" }, take: req.limit + 1, select });
    return { rows: rows.slice(0, req.limit).reverse(), hasEarlier: rows.length > req.limit, hasLater: true };
  }
  let fromPos: bigint | null = null;
  if (req.after) {
    const pos = await positionOf(db, req.roomId, req.after);
    if (pos === null) return null;
    fromPos = pos + 1n;
  } else if (req.from > req.start) {
    const first = await db.timelineItem.findFirst({ where: { ...where, ts: { gte: BigInt(req.from), lt: BigInt(req.end) } }, orderBy: { position: "asc" }, select });
    fromPos = first?.position ?? null;
    if (fromPos === null) return { rows: [], hasEarlier: true, hasLater: false };
  }
  const rows = await db.timelineItem.findMany({
    where: fromPos === null ? where : { ...where, position: { gte: fromPos } },
    orderBy: { position: "asc" },
    take: req.limit + 1,
    select,
  });
  const shown = rows.slice(0, req.limit);
  const firstPos = shown[0]?.position;
  const hasEarlier = firstPos !== undefined && (await db.timelineItem.count({ where: { ...where, position: { lt: firstPos } } })) > 0;
  return { rows: shown, hasEarlier, hasLater: rows.length > req.limit };
}

/** The items of one page of a UTC day (design.md "Day pages"); null when a cursor is unknown. */
export async function readDayWindow(db: Db, req: WindowRequest): Promise<DayWindow | null> {
  const found = await dayEvents(db, req);
  if (!found) return null;
  const { rows, hasEarlier, hasLater } = found;
  const first = rows[0];
  const last = rows.at(-1);
  if (!first || !last) {
    return { items: await emptyDayGap(db, req), firstEventId: null, lastEventId: null, hasEarlier, hasLater };
  }
  const [gaps, lead, trail] = await Promise.all([
    db.timelineItem.findMany({ where: { roomId: req.roomId, kind: "gap", position: { gt: first.position, lt: last.position } }, select: { id: true, position: true } }),
    // Denial records sit where the archive learned of them; they never bound a day.
    hasEarlier ? null : db.timelineItem.findFirst({ where: { roomId: req.roomId, kind: { in: ["event", "gap"] }, position: { lt: first.position } }, orderBy: { position: "desc" }, select: { id: true, position: true, kind: true } }),
    hasLater ? null : db.timelineItem.findFirst({ where: { roomId: req.roomId, kind: { in: ["event", "gap"] }, position: { gt: last.position } }, orderBy: { position: "asc" }, select: { id: true, position: true, kind: true } }),
  ]);
  const items: DayWindow["items"] = [];
  if (lead?.kind === "gap") items.push({ kind: "gap", gapId: lead.id.toString(), position: lead.position, edge: "leading" });
  const merged = [
    ...rows.map((r) => ({ kind: "event" as const, eventId: r.eventId ?? "", position: r.position, ts: Number(r.ts ?? 0n) })),
    ...gaps.map((g) => ({ kind: "gap" as const, gapId: g.id.toString(), position: g.position, edge: "inner" as const })),
  ].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
  items.push(...merged);
  if (trail?.kind === "gap") items.push({ kind: "gap", gapId: trail.id.toString(), position: trail.position, edge: "trailing" });
  return { items, firstEventId: first.eventId, lastEventId: last.eventId, hasEarlier, hasLater };
}

/** A day without stored events: the gap that brackets it, if the archive knows of one. */
async function emptyDayGap(db: Db, req: WindowRequest): Promise<DayWindow["items"]> {
  const next = await db.timelineItem.findFirst({
    where: { roomId: req.roomId, kind: "event", ts: { gte: BigInt(req.end) } },
    orderBy: { ts: "asc" },
    select: { position: true },
  });
  const gap = await db.timelineItem.findFirst({
    where: { roomId: req.roomId, kind: { in: ["event", "gap"] }, ...(next ? { position: { lt: next.position } } : {}) },
    orderBy: { position: "desc" },
    select: { id: true, position: true, kind: true, ts: true },
  });
  if (gap?.kind !== "gap") return [];
  // Only when the events before the gap are older than the day: otherwise the day is simply quiet.
  const prev = await db.timelineItem.findFirst({ where: { roomId: req.roomId, kind: "event", position: { lt: gap.position } }, orderBy: { position: "desc" }, select: { ts: true } });
  if (prev?.ts !== undefined && prev.ts !== null && prev.ts >= BigInt(req.end)) return [];
  return [{ kind: "gap", gapId: gap.id.toString(), position: gap.position, edge: "day" }];
}

/** Timestamps of every event item in a position range, for the late-arrival notes. */
export async function eventTimestampsBetween(db: Db, roomId: string, from: bigint, to: bigint): Promise<Array<{ eventId: string; ts: number }>> {
  const rows = await db.timelineItem.findMany({
    where: { roomId, kind: "event", position: { gte: from, lte: to } },
    orderBy: { position: "asc" },
    select: { eventId: true, ts: true },
    take: 20_000,
  });
  return rows.map((r) => ({ eventId: r.eventId ?? "", ts: Number(r.ts ?? 0n) }));
}

/** The event item right before a position (any day). */
export async function eventBefore(db: Db, roomId: string, position: bigint): Promise<{ eventId: string; ts: number; position: bigint } | null> {
  const row = await db.timelineItem.findFirst({ where: { roomId, kind: "event", position: { lt: position } }, orderBy: { position: "desc" }, select: { eventId: true, ts: true, position: true } });
  return row?.eventId ? { eventId: row.eventId, ts: Number(row.ts ?? 0n), position: row.position } : null;
}

const MESSAGE_TYPES = ["m.room.message", "m.sticker"];

/** Nearest day before `start` / at or after `end` that has messages: "jump to activity". */
export async function adjacentActivity(db: Db, roomId: string, start: number, end: number): Promise<{ previous: number | null; next: number | null }> {
  const [prev, next] = await Promise.all([
    db.event.findFirst({ where: { roomId, type: { in: MESSAGE_TYPES }, originServerTs: { lt: BigInt(start) }, timelineItem: { isNot: null } }, orderBy: { originServerTs: "desc" }, select: { originServerTs: true } }),
    db.event.findFirst({ where: { roomId, type: { in: MESSAGE_TYPES }, originServerTs: { gte: BigInt(end) }, timelineItem: { isNot: null } }, orderBy: { originServerTs: "asc" }, select: { originServerTs: true } }),
  ]);
  return { previous: prev ? Number(prev.originServerTs) : null, next: next ? Number(next.originServerTs) : null };
}

/** Timestamp of the room's latest message (or latest event), for `/r/{alias}`. */
export async function latestActivity(db: Db, roomId: string): Promise<number | null> {
  const message = await db.event.findFirst({ where: { roomId, type: { in: MESSAGE_TYPES }, timelineItem: { isNot: null } }, orderBy: { originServerTs: "desc" }, select: { originServerTs: true } });
  if (message) return Number(message.originServerTs);
  const any = await db.timelineItem.findFirst({ where: { roomId, kind: "event" }, orderBy: { ts: "desc" }, select: { ts: true } });
  return any?.ts != null ? Number(any.ts) : null;
}

export function toStoredEvent(row: { eventId: string; type: string; stateKey: string | null; sender: string; originServerTs: bigint; pdu: string; redacted: boolean }): StoredEvent {
  return { eventId: row.eventId, type: row.type, stateKey: row.stateKey, sender: row.sender, ts: Number(row.originServerTs), pdu: row.pdu, redacted: row.redacted };
}

const eventSelect = { eventId: true, type: true, stateKey: true, sender: true, originServerTs: true, pdu: true, redacted: true, deniedReason: true } as const;

/** Stored events of a room by ID, with the reason of those the archive later denied. */
export async function loadEvents(db: Db, roomId: string, ids: readonly string[], options: { withDenied?: boolean } = {}): Promise<Map<string, StoredEvent & { deniedReason: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.event.findMany({ where: { roomId, eventId: { in: [...ids] }, ...(options.withDenied ? {} : { deniedReason: null }) }, select: eventSelect });
  return new Map(rows.map((r) => [r.eventId, { ...toStoredEvent(r), deniedReason: r.deniedReason }]));
}

/**
 * Edits (m.replace) and reactions (m.annotation) aimed at the given events, from any day.
 * The relation lives inside the PDU text; a LIKE prefilter keeps the JSON parse off most rows.
 */
export async function loadRelations(db: Db, roomId: string, targetIds: readonly string[]): Promise<StoredEvent[]> {
  if (targetIds.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ eventId: string; type: string; stateKey: string | null; sender: string; originServerTs: bigint; pdu: string; redacted: boolean }>>`
    SELECT event_id AS "eventId", type, state_key AS "stateKey", sender, origin_server_ts AS "originServerTs", pdu, redacted
    FROM events
    WHERE room_id = ${roomId} AND type IN ('m.room.message', 'm.reaction') AND denied_reason IS NULL
      AND pdu LIKE '%m.relates_to%'
      AND (pdu::jsonb -> 'content' -> 'm.relates_to' ->> 'event_id') = ANY(${[...targetIds]}::text[])
      AND (pdu::jsonb -> 'content' -> 'm.relates_to' ->> 'rel_type') IN ('m.replace', 'm.annotation')
    LIMIT 10000`;
  return rows.map(toStoredEvent);
}

/** Latest display name of each user (from their m.room.member events). */
export async function loadDisplayNames(db: Db, roomId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.$queryRaw<Array<{ userId: string; name: string | null }>>`
    SELECT DISTINCT ON (state_key) state_key AS "userId", (pdu::jsonb -> 'content' ->> 'displayname') AS name
    FROM events
    WHERE room_id = ${roomId} AND type = 'm.room.member' AND state_key = ANY(${[...userIds]}::text[]) AND NOT redacted
    ORDER BY state_key, origin_server_ts DESC`;
  const names = new Map<string, string>();
  for (const r of rows) if (r.name && r.name.trim()) names.set(r.userId, r.name.trim().slice(0, 100));
  return names;
}

/** Positions of m.room.history_visibility changes, with their value, in timeline order. */
export async function loadVisibilityChanges(db: Db, roomId: string): Promise<Array<{ position: bigint; visibility: string }>> {
  const rows = await db.$queryRaw<Array<{ position: bigint; visibility: string | null }>>`
    SELECT i.position, (e.pdu::jsonb -> 'content' ->> 'history_visibility') AS visibility
    FROM timeline_items i JOIN events e ON e.event_id = i.event_id
    WHERE i.room_id = ${roomId} AND i.kind = 'event' AND e.type = 'm.room.history_visibility' AND e.state_key = ''
    ORDER BY i.position`;
  return rows.map((r) => ({ position: r.position, visibility: r.visibility ?? "shared" }));
}

/** Hours (0–23) of day [start, start + 24 h) that have event items, when the day has more than `min`. */
export async function busyHours(db: Db, roomId: string, start: number, min: number): Promise<number[]> {
  const end = start + 86_400_000;
  const total = await db.timelineItem.count({ where: { roomId, kind: "event", ts: { gte: BigInt(start), lt: BigInt(end) } } });
  if (total <= min) return [];
  const rows = await db.$queryRaw<Array<{ hour: number }>>`
    SELECT DISTINCT ((ts - ${BigInt(start)}::bigint) / 3600000)::int AS hour FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'event' AND ts >= ${BigInt(start)}::bigint AND ts < ${BigInt(end)}::bigint
    ORDER BY 1`;
  return rows.map((r) => Number(r.hour));
}

/** Timestamps of the stored events on either side of a gap: the span a reader is missing. */
export async function gapSpan(db: Db, roomId: string, position: bigint): Promise<{ sinceTs: number | null; untilTs: number | null }> {
  const [before, after] = await Promise.all([
    db.timelineItem.findFirst({ where: { roomId, kind: "event", position: { lt: position } }, orderBy: { position: "desc" }, select: { ts: true } }),
    db.timelineItem.findFirst({ where: { roomId, kind: "event", position: { gt: position } }, orderBy: { position: "asc" }, select: { ts: true } }),
  ]);
  return { sinceTs: before?.ts != null ? Number(before.ts) : null, untilTs: after?.ts != null ? Number(after.ts) : null };
}
