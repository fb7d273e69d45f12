import type { Tx } from "@/lib/timeline/db-types";
import { buildRun, floorOfKey, type RunContext, type RunEvent, type RunItem } from "@/lib/timeline/placement";
import { placeInSlot, type Pack } from "@/lib/timeline/positions";
import { renumberAround } from "@/lib/timeline/renumber";
import { insertItemRows, type ItemRow as ItemInsertRow } from "@/lib/timeline/row-inserts";
import { TimelineError } from "@/lib/timeline/types";

// Below every position: "the item after the anchor, or the room's first item" as one index
// range (an OR there made Postgres walk the room's items from its start, on every append).
export const BELOW_ALL = -(2n ** 63n);

interface ItemRow {
  id: bigint;
  position: bigint;
  kind: string;
}

/** The events of a batch that go between the same two stored items, in placement order. */
export interface Slot {
  /** The stored item the run follows; null: the room's start. */
  anchorId: bigint | null;
  events: RunEvent[];
  /** The anchor's neighbours as resolveSlots read them; stale once an earlier slot of the batch renumbered. */
  around?: Around;
}

export interface ResolveOptions {
  /** The neighbours of one floor, read with the batch's context: no query when every key falls there. */
  prefetched?: { floor: bigint; row: NeighbourRow };
  /** Events stored by this batch, whichever came first: they are not missing, even when the neighbours were read before them. */
  stored: ReadonlySet<string>;
}

/**
 * Groups keyed events by the stored item each key follows (keys ascending, then batch order),
 * and reads each slot's neighbours in the same statement (writeSlot needs them first).
 */
export async function resolveSlots(
  tx: Tx,
  roomId: string,
  sorted: readonly RunEvent[],
  keys: ReadonlyMap<string, bigint>,
  options: ResolveOptions,
): Promise<Slot[]> {
  const order = sorted.map((e, index) => ({ e, index, key: keys.get(e.eventId)! }));
  order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const distinct = [...new Set(order.map((o) => floorOfKey(o.key)))];
  const { prefetched } = options;
  const rows =
    prefetched && distinct.every((f) => f === prefetched.floor)
      ? [{ ...prefetched.row, key: prefetched.floor.toString() }]
      : await tx.$queryRaw<(NeighbourRow & { key: string })[]>`
    SELECT k.key, a.id AS anchor_id, a.position AS anchor_position, a.kind AS anchor_kind,
      n.id AS next_id, n.position AS next_position, n.kind AS next_kind,
      ARRAY(SELECT u.p FROM unnest(COALESCE(ne.prev_events, '{}'::text[])) WITH ORDINALITY u(p, k)
            WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = u.p AND x.room_id = ${roomId})
            GROUP BY u.p ORDER BY min(u.k)) AS next_missing
    FROM unnest(${distinct.map((f) => f.toString())}::text[]) AS k(key)
    LEFT JOIN LATERAL (
      SELECT id, position, kind FROM timeline_items WHERE room_id = ${roomId} AND position <= k.key::bigint
      ORDER BY position DESC LIMIT 1) a ON true
    LEFT JOIN LATERAL (
      SELECT id, position, kind, event_id FROM timeline_items
      WHERE room_id = ${roomId} AND position > COALESCE(a.position, ${BELOW_ALL}::bigint)
      ORDER BY position LIMIT 1) n ON true
    LEFT JOIN events ne ON ne.event_id = n.event_id`;
  const rowOfFloor = new Map(rows.map((r) => [r.key, { ...r, next_missing: r.next_missing.filter((p) => !options.stored.has(p)) }]));
  const slots: Slot[] = [];
  for (const { e, key } of order) {
    const row = rowOfFloor.get(floorOfKey(key).toString());
    const anchorId = row?.anchor_id ?? null;
    const last = slots[slots.length - 1];
    if (last && last.anchorId === anchorId) last.events.push(e);
    else slots.push({ anchorId, events: [e], around: row ? aroundOf(row) : undefined });
  }
  return slots;
}

export interface SlotOptions {
  tips: RunContext["tips"];
  pack: Pack;
  /** Event facts for the items of this run. */
  ts: ReadonlyMap<string, bigint>;
}

/** A run laid out between its neighbours; positions null: the spot must be renumbered first. */
export interface SlotPlan {
  around: Around;
  items: RunItem[];
  tipsForNextGap: string[];
  positions: bigint[] | null;
}

/** Lays a run out between the neighbours it was resolved with (no query). */
export function planSlot(around: Around, slot: Slot, options: SlotOptions): SlotPlan {
  const { items, tipsForNextGap } = buildRun(slot.events, { beforeKind: around.anchor?.kind ?? null, after: around.after, tips: options.tips });
  const positions = placeInSlot(around.anchor?.position ?? null, around.next?.position ?? null, items.length, options.pack);
  return { around, items, tipsForNextGap, positions };
}

/** The timeline_items rows of a planned run. */
export function slotItemRows(roomId: string, plan: SlotPlan, positions: readonly bigint[], options: SlotOptions): ItemInsertRow[] {
  return plan.items.map((item, i) =>
    item.kind === "event"
      ? { roomId, position: positions[i]!, kind: "event", eventId: item.eventId, ts: options.ts.get(item.eventId) ?? null }
      : { roomId, position: positions[i]!, kind: "gap", missingPrevEvents: item.missing, unknownSuccessorsOf: item.tips },
  );
}

export interface SlotWritten {
  /** Existing gaps next to the run, whose records must be refreshed. */
  gaps: bigint[];
  renumbered: boolean;
  /** Nothing but denials lies after the run: it went at the room's end and ends with an event. */
  atEnd: boolean;
}

/** The existing gaps next to a run, whose records must be refreshed once it is written. */
export function slotGaps(plan: SlotPlan): bigint[] {
  return [plan.around.anchor, plan.around.next].filter((i): i is ItemRow => i?.kind === "gap").map((i) => i.id);
}

/**
 * What remains of a run once its items are in (insertItemRows, or the batch's one write): the
 * run's tips go to the gap right after it.
 */
export async function finishSlot(tx: Tx, plan: SlotPlan, renumbered: boolean): Promise<SlotWritten> {
  const { next } = plan.around;
  if (next && slotHasTips(plan)) {
    await tx.$executeRaw`
      UPDATE timeline_items SET unknown_successors_of = unknown_successors_of
        || ARRAY(SELECT t FROM unnest(${plan.tipsForNextGap}::text[]) t WHERE t <> ALL(unknown_successors_of))
      WHERE id = ${next.id}::bigint`;
  }
  return { gaps: slotGaps(plan), renumbered, atEnd: slotAtEnd(plan) };
}

/** Whether finishSlot writes anything (the run's tips, to the gap right after it). */
export function slotHasTips(plan: SlotPlan): boolean {
  return plan.around.next?.kind === "gap" && plan.tipsForNextGap.length > 0;
}

/** Nothing but denials lies after the run: it goes at the room's end and ends with an event. */
export function slotAtEnd(plan: SlotPlan): boolean {
  return plan.around.next === undefined && plan.items.at(-1)?.kind === "event";
}

/**
 * Writes one run: its events, the gaps it needs, positions between its two neighbours
 * (renumbering around the spot when they are too close). Returns the existing gaps next to
 * the run, whose records must be refreshed.
 */
export async function writeSlot(tx: Tx, roomId: string, slot: Slot, options: SlotOptions): Promise<SlotWritten> {
  let plan = planSlot(slot.around ?? (await neighbours(tx, roomId, slot.anchorId)), slot, options);
  const renumbered = !plan.positions;
  if (!plan.positions) {
    const { anchor, next } = plan.around;
    await renumberAround(tx, roomId, anchor?.position ?? null, next?.position ?? null, plan.items.length);
    plan = planSlot(await neighbours(tx, roomId, slot.anchorId), slot, options);
    if (!plan.positions) throw new TimelineError("inconsistent", "renumbering left no room at the spot");
  }
  await insertItemRows(tx, slotItemRows(roomId, plan, plan.positions, options));
  return finishSlot(tx, plan, renumbered);
}

/**
 * The run's anchor and the item after it, and what the run must know about that item: the
 * prev_events it still misses (batch events are already in `events`) when it is an event.
 */
async function neighbours(tx: Tx, roomId: string, anchorId: bigint | null): Promise<Around> {
  const rows = await tx.$queryRaw<NeighbourRow[]>`
    SELECT a.id AS anchor_id, a.position AS anchor_position, a.kind AS anchor_kind,
      n.id AS next_id, n.position AS next_position, n.kind AS next_kind,
      ARRAY(SELECT u.p FROM unnest(COALESCE(ne.prev_events, '{}'::text[])) WITH ORDINALITY u(p, k)
            WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = u.p AND x.room_id = ${roomId})
            GROUP BY u.p ORDER BY min(u.k)) AS next_missing
    FROM (SELECT 1) one
    LEFT JOIN timeline_items a ON a.id = ${anchorId}::bigint
    LEFT JOIN LATERAL (
      SELECT id, position, kind, event_id FROM timeline_items
      WHERE room_id = ${roomId} AND position > COALESCE(a.position, ${BELOW_ALL}::bigint)
      ORDER BY position LIMIT 1) n ON true
    LEFT JOIN events ne ON ne.event_id = n.event_id`;
  const r = rows[0];
  if (anchorId !== null && (r?.anchor_id ?? null) === null) throw new TimelineError("inconsistent", `timeline item ${anchorId} vanished`);
  return aroundOf(r);
}

export interface NeighbourRow {
  anchor_id: bigint | null;
  anchor_position: bigint | null;
  anchor_kind: string | null;
  next_id: bigint | null;
  next_position: bigint | null;
  next_kind: string | null;
  next_missing: string[];
}

interface Around {
  anchor: ItemRow | undefined;
  next: ItemRow | undefined;
  after: RunContext["after"];
}

function aroundOf(r: NeighbourRow | undefined): Around {
  const anchor: ItemRow | undefined = r && r.anchor_id !== null ? { id: r.anchor_id, position: r.anchor_position!, kind: r.anchor_kind! } : undefined;
  const next: ItemRow | undefined = r && r.next_id !== null ? { id: r.next_id, position: r.next_position!, kind: r.next_kind! } : undefined;
  const after: RunContext["after"] = !next
    ? null
    : next.kind === "gap"
      ? { kind: "gap" }
      : next.kind === "event"
        ? { kind: "event", missing: r!.next_missing }
        : { kind: "other" };
  return { anchor, next, after };
}
