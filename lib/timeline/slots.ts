import type { Tx } from "@/lib/timeline/db-types";
import { storedAmong } from "@/lib/timeline/gaps";
import { buildRun, floorOfKey, type RunContext, type RunEvent } from "@/lib/timeline/placement";
import { placeInSlot, type Pack } from "@/lib/timeline/positions";
import { renumberAround } from "@/lib/timeline/renumber";
import { TimelineError } from "@/lib/timeline/types";

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
}

/** Groups keyed events by the stored item each key follows (keys ascending, then batch order). */
export async function resolveSlots(
  tx: Tx,
  roomId: string,
  sorted: readonly RunEvent[],
  keys: ReadonlyMap<string, bigint>,
): Promise<Slot[]> {
  const order = sorted.map((e, index) => ({ e, index, key: keys.get(e.eventId)! }));
  order.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const anchorOfKey = new Map<bigint, bigint | null>();
  const slots: Slot[] = [];
  for (const { e, key } of order) {
    if (!anchorOfKey.has(key)) {
      const rows = await tx.$queryRaw<{ id: bigint }[]>`
        SELECT id FROM timeline_items WHERE room_id = ${roomId} AND position <= ${floorOfKey(key)}::bigint
        ORDER BY position DESC LIMIT 1`;
      anchorOfKey.set(key, rows[0]?.id ?? null);
    }
    const anchorId = anchorOfKey.get(key) ?? null;
    const last = slots[slots.length - 1];
    if (last && last.anchorId === anchorId) last.events.push(e);
    else slots.push({ anchorId, events: [e] });
  }
  return slots;
}

export interface SlotOptions {
  tips: RunContext["tips"];
  pack: Pack;
  /** Event facts for the items of this run. */
  ts: ReadonlyMap<string, bigint>;
}

/**
 * Writes one run: its events, the gaps it needs, positions between its two neighbours
 * (renumbering around the spot when they are too close). Returns the existing gaps next to
 * the run, whose records must be refreshed.
 */
export async function writeSlot(tx: Tx, roomId: string, slot: Slot, options: SlotOptions): Promise<bigint[]> {
  const place = async () => {
    const anchor = slot.anchorId === null ? null : await itemById(tx, slot.anchorId);
    if (slot.anchorId !== null && !anchor) throw new TimelineError("inconsistent", `timeline item ${slot.anchorId} vanished`);
    const next = await nextItem(tx, roomId, anchor?.position ?? null);
    return { anchor, next };
  };
  let { anchor, next } = await place();
  const after = await describeNext(tx, roomId, next);
  const { items, tipsForNextGap } = buildRun(slot.events, { beforeKind: anchor?.kind ?? null, after, tips: options.tips });

  let positions = placeInSlot(anchor?.position ?? null, next?.position ?? null, items.length, options.pack);
  if (!positions) {
    await renumberAround(tx, roomId, anchor?.position ?? null, next?.position ?? null, items.length);
    ({ anchor, next } = await place());
    positions = placeInSlot(anchor?.position ?? null, next?.position ?? null, items.length, options.pack);
    if (!positions) throw new TimelineError("inconsistent", "renumbering left no room at the spot");
  }
  await tx.timelineItem.createMany({
    data: items.map((item, i) =>
      item.kind === "event"
        ? { roomId, position: positions[i]!, kind: "event", eventId: item.eventId, ts: options.ts.get(item.eventId) ?? null }
        : { roomId, position: positions[i]!, kind: "gap", missingPrevEvents: item.missing, unknownSuccessorsOf: item.tips },
    ),
  });
  if (next?.kind === "gap" && tipsForNextGap.length > 0) {
    const rows = await tx.$queryRaw<{ tips: string[] }[]>`
      SELECT unknown_successors_of AS tips FROM timeline_items WHERE id = ${next.id}::bigint`;
    const tips = [...new Set([...(rows[0]?.tips ?? []), ...tipsForNextGap])];
    await tx.$executeRaw`UPDATE timeline_items SET unknown_successors_of = ${tips}::text[] WHERE id = ${next.id}::bigint`;
  }
  return [anchor, next].filter((i): i is ItemRow => i?.kind === "gap").map((i) => i.id);
}

async function itemById(tx: Tx, id: bigint): Promise<ItemRow | undefined> {
  const rows = await tx.$queryRaw<ItemRow[]>`SELECT id, position, kind FROM timeline_items WHERE id = ${id}::bigint`;
  return rows[0];
}

async function nextItem(tx: Tx, roomId: string, after: bigint | null): Promise<ItemRow | undefined> {
  const rows =
    after === null
      ? await tx.$queryRaw<ItemRow[]>`
          SELECT id, position, kind FROM timeline_items WHERE room_id = ${roomId} ORDER BY position LIMIT 1`
      : await tx.$queryRaw<ItemRow[]>`
          SELECT id, position, kind FROM timeline_items WHERE room_id = ${roomId} AND position > ${after}::bigint
          ORDER BY position LIMIT 1`;
  return rows[0];
}

/** What the run must know about the item after it; batch events are already in `events`. */
async function describeNext(tx: Tx, roomId: string, next: ItemRow | undefined): Promise<RunContext["after"]> {
  if (!next) return null;
  if (next.kind === "gap") return { kind: "gap" };
  if (next.kind !== "event") return { kind: "other" };
  const rows = await tx.$queryRaw<{ prev_events: string[] }[]>`
    SELECT e.prev_events FROM timeline_items i JOIN events e ON e.event_id = i.event_id WHERE i.id = ${next.id}::bigint`;
  const prevs = rows[0]?.prev_events ?? [];
  const stored = await storedAmong(tx, roomId, prevs);
  return { kind: "event", missing: [...new Set(prevs.filter((p) => !stored.has(p)))] };
}
