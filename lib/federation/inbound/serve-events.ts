import type { Db } from "@/lib/db";
import { roomPolicy } from "@/lib/federation/policy";

// Reads of the archive's store on behalf of other servers: /backfill (ancestors), forwards_fill
// (successors), /event. Only rooms that are world_readable and not denied are served: the
// archive never widens who can see a room's history.

export interface StoredPdu {
  eventId: string;
  depth: bigint;
  originServerTs: bigint;
  prevEvents: string[];
  pdu: string;
}

const select = { eventId: true, depth: true, originServerTs: true, prevEvents: true, pdu: true } as const;

/** Only events every check accepted are served: never rejected, soft-failed or denied ones. */
const servable = { deniedReason: null, rejectedReason: null, softFailedReason: null } as const;

export async function isServableRoom(db: Db, roomId: string): Promise<boolean> {
  const room = await db.room.findUnique({ where: { roomId }, select: { historyVisibility: true, status: true, canonicalAlias: true } });
  if (!room || room.historyVisibility !== "world_readable" || room.status === "denied" || room.status === "purged") return false;
  return roomPolicy(roomId, [room.canonicalAlias]).allowed;
}

/** Up to `limit` events: the requested ones that are stored, then their ancestors, breadth-first. */
export async function ancestorsOf(db: Db, roomId: string, fromIds: readonly string[], limit: number): Promise<StoredPdu[]> {
  const out = new Map<string, StoredPdu>();
  let front = [...new Set(fromIds)];
  for (let round = 0; round < 10_000 && front.length > 0 && out.size < limit; round++) {
    const rows = await db.event.findMany({ where: { roomId, eventId: { in: front }, ...servable }, select });
    rows.sort(byDepthDesc);
    const next = new Set<string>();
    for (const row of rows) {
      if (out.size >= limit) break;
      if (out.has(row.eventId)) continue;
      out.set(row.eventId, row);
      for (const prev of row.prevEvents) if (!out.has(prev)) next.add(prev);
    }
    front = [...next];
  }
  return [...out.values()];
}

/**
 * Up to `limit` successors of `fromIds` (not the events themselves), walking forwards through
 * prev_events, in an order where every event comes after its stored prev_events.
 */
export async function successorsOf(db: Db, roomId: string, fromIds: readonly string[], limit: number): Promise<StoredPdu[]> {
  const seen = new Set(fromIds);
  const found = new Map<string, StoredPdu>();
  let front = [...seen];
  for (let round = 0; round < 10_000 && front.length > 0 && found.size < limit; round++) {
    const rows = await db.event.findMany({
      where: { roomId, prevEvents: { hasSome: front }, ...servable },
      select,
      orderBy: [{ depth: "asc" }, { originServerTs: "asc" }, { eventId: "asc" }],
      take: limit * 4,
    });
    const next: string[] = [];
    for (const row of rows) {
      if (seen.has(row.eventId)) continue;
      seen.add(row.eventId);
      found.set(row.eventId, row);
      next.push(row.eventId);
    }
    front = next;
  }
  return topologicalOrder([...found.values()]).slice(0, limit);
}

function byDepthDesc(a: StoredPdu, b: StoredPdu): number {
  return a.depth === b.depth ? 0 : a.depth > b.depth ? -1 : 1;
}

function tieBreak(a: StoredPdu, b: StoredPdu): number {
  if (a.depth !== b.depth) return a.depth < b.depth ? -1 : 1;
  if (a.originServerTs !== b.originServerTs) return a.originServerTs < b.originServerTs ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Kahn's algorithm over the prev_events edges inside the set, ties by (depth, ts, event ID). */
export function topologicalOrder(events: StoredPdu[]): StoredPdu[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const pending = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const e of events) {
    const parents = [...new Set(e.prevEvents)].filter((p) => byId.has(p));
    pending.set(e.eventId, parents.length);
    for (const p of parents) children.set(p, [...(children.get(p) ?? []), e.eventId]);
  }
  const ready = events.filter((e) => pending.get(e.eventId) === 0).sort(tieBreak);
  const out: StoredPdu[] = [];
  while (ready.length > 0) {
    const e = ready.shift()!;
    out.push(e);
    for (const c of children.get(e.eventId) ?? []) {
      const left = pending.get(c)! - 1;
      pending.set(c, left);
      if (left === 0) {
        ready.push(byId.get(c)!);
        ready.sort(tieBreak);
      }
    }
  }
  // A cycle cannot come from valid hashes; should one appear, keep the rest rather than lose it.
  if (out.length < events.length) out.push(...events.filter((e) => !out.includes(e)).sort(tieBreak));
  return out;
}

/** A transaction body built from stored canonical PDU text, so big integers pass unchanged. */
export function transactionBody(origin: string, pdus: readonly StoredPdu[]): string {
  return `{"origin":${JSON.stringify(origin)},"origin_server_ts":${Date.now()},"pdus":[${pdus.map((p) => p.pdu).join(",")}]}`;
}

export async function storedEvent(db: Db, eventId: string): Promise<(StoredPdu & { roomId: string }) | undefined> {
  const row = await db.event.findUnique({
    where: { eventId },
    select: { ...select, roomId: true, deniedReason: true, rejectedReason: true, softFailedReason: true },
  });
  if (!row || row.deniedReason !== null || row.rejectedReason !== null || row.softFailedReason !== null) return undefined;
  return row;
}
