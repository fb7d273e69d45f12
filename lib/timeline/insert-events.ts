import type { Db } from "@/lib/db";
import type { Tx } from "@/lib/timeline/db-types";
import { readBatchContext } from "@/lib/timeline/batch-reads";
import { depthBounds } from "@/lib/timeline/depth-bounds";
import { gapsTouchedBy, refreshGap } from "@/lib/timeline/gaps";
import { finalPageChanges, knownInsertChanges, MESSAGE_TYPES, noteInsertChanges } from "@/lib/timeline/page-changes";
import { dayOf } from "@/lib/timeline/day";
import { computeKeys, floorOfKey, KEY_END, keyAfter, keyBefore, type RunEvent } from "@/lib/timeline/placement";
import type { Pack } from "@/lib/timeline/positions";
import { redactStoredTargets, storedForms, type StoredForm } from "@/lib/timeline/redactions";
import { withRoomLock } from "@/lib/timeline/room-lock";
import { insertEventRows, insertPlacedRows, type EventRow } from "@/lib/timeline/row-inserts";
import { mediaRefRowsOf } from "@/lib/timeline/media-refs";
import { searchRowsOf } from "@/lib/timeline/search-index";
import {
  finishSlot,
  planSlot,
  resolveSlots,
  slotAtEnd,
  slotGaps,
  slotHasTips,
  slotItemRows,
  writeSlot,
  type SlotOptions,
  type SlotPlan,
  type SlotWritten,
} from "@/lib/timeline/slots";
import { topoSort } from "@/lib/timeline/topo-sort";
import {
  arrivalSchema,
  eventSourceSchema,
  timelineEventInputSchema,
  TimelineError,
  type Arrival,
  type EventSource,
  type InsertEventsInput,
  type InsertEventsResult,
  type TimelineEventInput,
} from "@/lib/timeline/types";

const DEFAULT_SOURCE: Record<Arrival["kind"], EventSource> = {
  live: "send",
  backfill: "backfill",
  forwards: "forwards_fill",
  jump: "jump",
};
/**
 * content["m.relates_to"] of a stored PDU (event_id and rel_type when they are strings), kept in
 * columns so that readers find a page's edits and reactions by index. Only PDUs that mention it
 * are parsed.
 */
function relationOf(pdu: string): { relatesTo: string | null; relType: string | null } {
  const none = { relatesTo: null, relType: null };
  if (!pdu.includes('"m.relates_to"')) return none;
  const rel = (JSON.parse(pdu) as { content?: { "m.relates_to"?: unknown } }).content?.["m.relates_to"];
  if (typeof rel !== "object" || rel === null) return none;
  const { event_id: target, rel_type: relType } = rel as Record<string, unknown>;
  if (typeof target !== "string") return none;
  return { relatesTo: target, relType: typeof relType === "string" ? relType : null };
}

function eventRow(roomId: string, e: TimelineEventInput, form: StoredForm, source: EventSource): EventRow {
  return {
    eventId: e.eventId,
    roomId,
    type: e.type,
    stateKey: e.stateKey,
    sender: e.sender,
    originServerTs: e.originServerTs,
    depth: e.depth,
    prevEvents: e.prevEvents,
    authEvents: e.authEvents,
    pdu: form.pdu,
    redacted: form.redacted,
    redactedBy: form.redactedBy,
    // A rejected or soft-failed redaction redacts nothing.
    redacts: e.rejectedReason || e.softFailedReason ? null : e.redacts,
    redactsAny: e.redactsAny ?? true,
    rejectedReason: e.rejectedReason ?? null,
    softFailedReason: e.softFailedReason ?? null,
    stateGroup: e.stateGroup ?? null,
    replacesState: e.replacesState ?? null,
    ...relationOf(form.pdu),
    source,
  };
}

const PACK: Record<Arrival["kind"], Pack> = { live: "early", backfill: "late", forwards: "early", jump: "middle" };

/**
 * Stores a batch of verified events of one room into `events` and the room's timeline, in
 * one transaction under the room's lock. See lib/timeline/index.ts for the contract.
 */
export async function insertEvents(db: Db, input: InsertEventsInput): Promise<InsertEventsResult> {
  return withRoomLock(db, input.roomId, (tx) => insertChecked(tx, input, true));
}

/** insertEvents inside the caller's room-locked transaction (lib/ingest authorizes and stores under one lock). */
export async function insertEventsInTx(tx: Tx, input: InsertEventsInput): Promise<InsertEventsResult> {
  return insertChecked(tx, input, false);
}

/** `last`: nothing but the commit follows the insert in its transaction. */
async function insertChecked(tx: Tx, input: InsertEventsInput, last: boolean): Promise<InsertEventsResult> {
  const arrival = arrivalSchema.parse(input.arrival);
  const source = eventSourceSchema.parse(input.source ?? DEFAULT_SOURCE[arrival.kind]);
  const events = input.events.map((e) => timelineEventInputSchema.parse(e));
  for (const e of events) {
    if (e.roomId !== input.roomId) throw new TimelineError("wrong_room", `event ${e.eventId} belongs to ${e.roomId}, not ${input.roomId}`);
  }
  return insertBatch(tx, input.roomId, arrival, source, events, input.redact, last);
}

async function insertBatch(
  tx: Tx,
  roomId: string,
  arrival: Arrival,
  source: EventSource,
  events: TimelineEventInput[],
  redact: InsertEventsInput["redact"],
  last: boolean,
): Promise<InsertEventsResult> {
  const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
  const anchorId = arrival.kind === "backfill" ? arrival.before : arrival.kind === "forwards" ? arrival.after : null;
  const reads = await readBatchContext(tx, {
    roomId,
    batchIds: unique.map((e) => e.eventId),
    prevIds: [...new Set(unique.flatMap((e) => e.prevEvents))],
    anchorId,
    // The neighbours of the preferred spot, where a batch without stored links goes.
    floor:
      arrival.kind === "live"
        ? { at: floorOfKey(KEY_END) }
        : arrival.kind === "backfill"
          ? { anchorOffset: -1n }
          : arrival.kind === "forwards"
            ? { anchorOffset: 0n }
            : null,
  });
  const roomVersion = reads.roomVersion;
  if (roomVersion === undefined) throw new TimelineError("room_not_found", `room ${roomId} is not stored`);
  const duplicates = reads.existing;
  const fresh = unique.filter((e) => !duplicates.has(e.eventId));
  // Rejected and soft-failed events are kept (so they are never fetched or judged again) but
  // never placed: no reader sees them, and as prev_events they count as known, not missing.
  const unplaced = fresh.filter((e) => e.rejectedReason || e.softFailedReason);
  const sorted = topoSort(fresh.filter((e) => !e.rejectedReason && !e.softFailedReason));
  const result = { inserted: sorted.map((e) => e.eventId), duplicates: unique.filter((e) => duplicates.has(e.eventId)).map((e) => e.eventId) };
  let unplacedGaps = false;
  if (unplaced.length > 0) {
    await insertEventRows(
      tx,
      unplaced.map((e) => eventRow(roomId, e, { pdu: e.pdu, redacted: e.redacted, redactedBy: null }, source)),
    );
    for (const id of await gapsTouchedBy(
      tx,
      roomId,
      unplaced.map((e) => e.eventId),
      [],
    )) {
      await refreshGap(tx, id);
      unplacedGaps = true;
    }
  }
  if (sorted.length === 0) {
    await noteInsertChanges(tx, roomId, arrival, [], [], unplacedGaps);
    return result;
  }

  const batchIds = new Set(result.inserted);
  const outsidePrevs = [...new Set(sorted.flatMap((e) => e.prevEvents).filter((p) => !batchIds.has(p)))];
  const outside = new Set(outsidePrevs);
  const prevRows = reads.prevs.filter((r) => outside.has(r.eventId));
  const storedPrevPosition = new Map(prevRows.flatMap((r) => (r.position === null ? [] : [[r.eventId, r.position] as const])));
  // Stored but never placed (rejected, soft-failed): known, so no gap waits for them.
  const knownUnplaced = new Set([...prevRows.filter((r) => r.position === null).map((r) => r.eventId), ...unplaced.map((e) => e.eventId)]);
  // Stored successors of batch events are exactly the events right after the gaps that list
  // them as missing (invariant 3), so the few gap items answer without scanning prev_events.
  const afterGaps = reads.afterGaps;
  const storedSuccessorPositions = new Map<string, bigint[]>();
  for (const row of afterGaps) {
    for (const p of row.missing) {
      if (batchIds.has(p)) storedSuccessorPositions.set(p, [...(storedSuccessorPositions.get(p) ?? []), row.position]);
    }
  }
  const preferred = await preferredKey(tx, roomId, arrival, sorted, reads.anchorPosition);
  const missingOf = new Map(
    sorted.map((e) => [e.eventId, [...new Set(e.prevEvents.filter((p) => !batchIds.has(p) && !storedPrevPosition.has(p) && !knownUnplaced.has(p)))]]),
  );
  // Live arrivals go at the end, past every stored event; the others land inside history, where
  // a stored event may be an ancestor the batch cannot see yet (a backfill's preferred spot can
  // lie before one that a catch-up placed earlier).
  const lowerToo = arrival.kind !== "live";
  const soft = await depthBounds(tx, roomId, sorted, missingOf, { preferred, storedPrevPosition, storedSuccessorPositions }, lowerToo, afterGaps);
  const keys = computeKeys(sorted, { storedPrevPosition, storedSuccessorPositions, preferred, ...soft });

  const forms = storedForms(roomVersion, sorted, reads.redactions, redact);
  const placed = sorted.map((e) => ({ ...e, ...forms.get(e.eventId)! }));
  const batchPrevs = new Set(sorted.flatMap((e) => e.prevEvents));
  const runEvents: RunEvent[] = sorted.map((e) => ({
    eventId: e.eventId,
    missing: missingOf.get(e.eventId)!,
    isTip: !batchPrevs.has(e.eventId) && !storedSuccessorPositions.has(e.eventId),
  }));
  // Reads made before this batch's writes stand for reads after them: the slots' neighbours
  // (their missing prev_events leave out what the batch stores) and the gaps the batch touches
  // (its own writes never make a gap list a batch event as missing, or a batch prev_event as an
  // edge). Storing unplaced events may already have refreshed gaps, so that case reads again.
  const readsHold = unplaced.length === 0;
  const slots = await resolveSlots(tx, roomId, runEvents, keys, {
    prefetched: readsHold ? reads.around : undefined,
    stored: new Set([...batchIds, ...unplaced.map((e) => e.eventId)]),
  });
  const ts = new Map(sorted.map((e) => [e.eventId, e.originServerTs]));
  const tips = arrival.kind === "forwards" ? "record" : arrival.kind === "jump" ? "bound" : "none";
  const options: SlotOptions = { tips, pack: PACK[arrival.kind], ts };
  const rows = {
    events: sorted.map((e) => eventRow(roomId, e, forms.get(e.eventId)!, source)),
    search: searchRowsOf(placed),
    media: mediaRefRowsOf(placed),
  };
  // When every run fits between its neighbours, events, search rows, media references and items
  // go in one statement; a spot that must be renumbered first writes its runs one by one.
  const plans = slots.map((slot) => (slot.around ? planSlot(slot.around, slot, options) : null));
  const touchedBefore = readsHold
    ? reads.touching.filter((g) => g.missing.some((p) => batchIds.has(p)) || g.tips.some((t) => outside.has(t))).map((g) => g.id)
    : undefined;
  const targets = sorted.flatMap((e) => [relationOf(forms.get(e.eventId)!.pdu).relatesTo, e.redacts].filter((t): t is string => t !== null));
  // A live append's spot follows the room's last item: when that is a message, its day had
  // events and messages before the batch. Other days are read.
  const lastItem = arrival.kind === "live" ? reads.around?.anchorEvent : undefined;
  const days = new Map(lastItem && MESSAGE_TYPES.includes(lastItem.type) ? [[dayOf(lastItem.ts), { any: true, messages: true }]] : []);
  const toRefresh = new Set<bigint>();
  const written: SlotWritten[] = [];
  let refreshed: bigint | undefined;
  if (plans.every((plan) => plan?.positions)) {
    const laid = plans as SlotPlan[];
    for (const id of [...laid.flatMap(slotGaps), ...(touchedBefore ?? [])]) toRefresh.add(id);
    const gap = touchedBefore ? refreshInWrite(laid, toRefresh, reads.touching, missingOf) : undefined;
    refreshed = gap?.id;
    // When this write is the transaction's last statement, it logs the page changes too.
    const final =
      last &&
      touchedBefore !== undefined &&
      !laid.some(slotHasTips) &&
      [...toRefresh].every((id) => id === refreshed) &&
      !sorted.some((e) => e.redacts !== null && !batchIds.has(e.redacts))
        ? await knownInsertChanges(roomId, arrival, sorted, targets, toRefresh.size > 0, { atEnd: slotAtEnd(laid.at(-1)!), days })
        : undefined;
    const pageChanges = final && finalPageChanges(tx, final);
    await insertPlacedRows(
      tx,
      roomId,
      {
        ...rows,
        items: laid.flatMap((plan) => slotItemRows(roomId, plan, plan.positions!, options)),
        gap: gap?.change,
      },
      pageChanges,
    );
    for (const plan of laid) written.push(await finishSlot(tx, plan, false));
    if (pageChanges) return result;
  } else {
    await insertPlacedRows(tx, roomId, { ...rows, items: [] });
    let renumbered = false;
    for (const slot of slots) {
      const w = await writeSlot(tx, roomId, renumbered ? { ...slot, around: undefined } : slot, options);
      renumbered ||= w.renumbered;
      written.push(w);
    }
  }
  for (const id of written.flatMap((w) => w.gaps)) toRefresh.add(id);
  for (const id of touchedBefore ?? (await gapsTouchedBy(tx, roomId, result.inserted, outsidePrevs))) toRefresh.add(id);
  for (const id of [...toRefresh].sort((a, b) => (a < b ? -1 : 1))) if (id !== refreshed) await refreshGap(tx, id);

  await redactStoredTargets(tx, roomId, roomVersion, sorted, redact);
  await noteInsertChanges(tx, roomId, arrival, sorted, targets, unplacedGaps || toRefresh.size > 0, {
    // Slots go in key order, so the last one holds the batch's last event.
    atEnd: written.at(-1)?.atEnd ?? false,
    days,
  });
  return result;
}

/**
 * The one gap a batch refreshes, worked out without reading it again, when that is exact: the
 * gap is the anchor of a run that starts with an event (which becomes the item after it), it
 * records no edges, and no other gap is refreshed (one refresh can change what the item after
 * another gap is). Its missing prev_events are then that event's, which the batch knows.
 * Returns the change to write with the batch (none: the record stands), or undefined when
 * refreshGap must read.
 */
function refreshInWrite(
  plans: readonly SlotPlan[],
  toRefresh: ReadonlySet<bigint>,
  touching: readonly { id: bigint; missing: string[]; tips: string[] }[],
  missingOf: ReadonlyMap<string, string[]>,
): { id: bigint; change?: { id: bigint; missing: string[] | null } } | undefined {
  if (toRefresh.size !== 1) return undefined;
  const [id] = toRefresh as Set<bigint>;
  const old = touching.find((g) => g.id === id);
  if (!old || old.tips.length > 0) return undefined;
  if (plans.some((p) => p.around.next?.id === id && p.tipsForNextGap.length > 0)) return undefined;
  const first = plans.find((p) => p.around.anchor?.id === id)?.items[0];
  if (first?.kind !== "event") return undefined;
  const missing = missingOf.get(first.eventId)!;
  if (missing.length === 0) return { id: id!, change: { id: id!, missing: null } };
  const same = missing.length === old.missing.length && missing.every((p, i) => p === old.missing[i]);
  return same ? { id: id! } : { id: id!, change: { id: id!, missing } };
}

async function preferredKey(
  tx: Tx,
  roomId: string,
  arrival: Arrival,
  sorted: readonly TimelineEventInput[],
  anchorPosition: bigint | undefined,
): Promise<bigint> {
  const anchor = (eventId: string) => {
    if (anchorPosition === undefined) throw new TimelineError("anchor_not_found", `event ${eventId} is not in the timeline of ${roomId}`);
    return anchorPosition;
  };
  switch (arrival.kind) {
    case "live":
      return KEY_END;
    case "backfill":
      return keyBefore(anchor(arrival.before));
    case "forwards":
      return keyAfter(anchor(arrival.after));
    case "jump": {
      if (arrival.gapId !== undefined) {
        const gaps = await tx.$queryRaw<{ position: bigint }[]>`
          SELECT position FROM timeline_items WHERE id = ${arrival.gapId}::bigint AND room_id = ${roomId} AND kind = 'gap'`;
        if (gaps[0]) return keyAfter(gaps[0].position);
      }
      // The island goes right before the earliest stored event not older than it (by time,
      // then position): inside the gap that brackets it when one is there.
      const minTs = sorted.reduce((m, e) => (e.originServerTs < m ? e.originServerTs : m), sorted[0]!.originServerTs);
      const rows = await tx.$queryRaw<{ position: bigint }[]>`
        SELECT position FROM timeline_items WHERE room_id = ${roomId} AND event_id IS NOT NULL AND ts >= ${minTs}::bigint
        ORDER BY ts, position LIMIT 1`;
      return rows[0] ? keyBefore(rows[0].position) : KEY_END;
    }
  }
}
