import { getDb, type Db } from "@/lib/db";
import { backfill as backfillRequest } from "@/lib/federation/client/endpoints";
import { storeVerified } from "@/lib/federation/store-events";
import { applyStateAfterFill } from "@/lib/federation/room-state";
import { verifyBatch } from "@/lib/federation/verify-batch";
import { logger } from "@/lib/log";

// Backfilling a room toward its creation: take the latest cluster of gaps whose far side is known
// (their missing prev_events), ask a resident server for those events and their ancestors,
// verify, and insert them before the cluster. The timeline's gaps are the only progress record, so an
// interrupted backfill resumes where it stopped and the store's idempotence rules out duplicates.

export interface BackfillOptions {
  /** Stop after storing this many events. */
  maxEvents?: number;
  /** Stop after this many requests. */
  maxRequests?: number;
  /** Wall-clock bound. */
  timeoutMs?: number;
  /** Events per request (Synapse caps at 100; it counts the requested events). */
  batchSize?: number;
  db?: Db;
  /** Stop early when this returns true (e.g. a test simulating an interruption). */
  shouldStop?: () => boolean;
}

export interface BackfillReport {
  stored: number;
  requests: number;
  dropped: number;
  /** Why it stopped. */
  finished: "complete" | "max_events" | "max_requests" | "timeout" | "stopped" | "no_progress";
}

export interface BackfillFrontier {
  /** Missing prev_events of every gap in the cluster: requested together. */
  missing: string[];
  /** The stored event right after the cluster's earliest gap: the batch goes before it. */
  before: string;
}

/** Event items between two gaps for them to count as one cluster (the gaps one batch leaves). */
const CLUSTER_SPAN = 200;
const MAX_SEEDS = 50;

/**
 * The latest cluster of gaps with known missing prev_events. A backfill batch from a forked DAG
 * leaves a gap before each of its oldest events; asking for only one of them would fetch
 * ancestors that belong before the others too, so the whole cluster is filled together and the
 * batch is anchored before its earliest gap.
 */
export async function backfillFrontier(db: Db, roomId: string, skip: ReadonlySet<string>): Promise<BackfillFrontier | undefined> {
  const gaps = await db.$queryRaw<{ position: bigint; missing: string[]; events_before: bigint }[]>`
    WITH items AS (
      SELECT position, kind, missing_prev_events,
        count(*) FILTER (WHERE kind = 'event') OVER (ORDER BY position) AS events_before
      FROM timeline_items WHERE room_id = ${roomId})
    SELECT position, missing_prev_events AS missing, events_before FROM items
    WHERE kind = 'gap' AND cardinality(missing_prev_events) > 0
    ORDER BY position DESC`;
  const open = gaps.map((g) => ({ ...g, missing: g.missing.filter((m) => !skip.has(m)) })).filter((g) => g.missing.length > 0);
  const first = open[0];
  if (!first) return undefined;
  const cluster = [first];
  for (const gap of open.slice(1)) {
    const previous = cluster[cluster.length - 1]!;
    if (previous.events_before - gap.events_before > BigInt(CLUSTER_SPAN)) break;
    cluster.push(gap);
  }
  const earliest = cluster[cluster.length - 1]!;
  const next = await db.$queryRaw<{ event_id: string }[]>`
    SELECT event_id FROM timeline_items
    WHERE room_id = ${roomId} AND kind = 'event' AND position > ${earliest.position}::bigint
    ORDER BY position LIMIT 1`;
  const before = next[0]?.event_id;
  if (!before) return undefined;
  return { missing: [...new Set(cluster.flatMap((g) => g.missing))].slice(0, MAX_SEEDS), before };
}

export async function backfillRoom(roomId: string, options: BackfillOptions = {}): Promise<BackfillReport> {
  const db = options.db ?? getDb();
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, servers: true, status: true } });
  if (!room || room.status !== "joined") throw new Error(`room ${roomId} is not joined`);
  const maxEvents = options.maxEvents ?? 100_000;
  const maxRequests = options.maxRequests ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const batchSize = Math.min(options.batchSize ?? 100, 100);
  const report: BackfillReport = { stored: 0, requests: 0, dropped: 0, finished: "complete" };
  // Events no server would give us (or that failed verification) in this run.
  const unobtainable = new Set<string>();

  for (;;) {
    if (options.shouldStop?.()) return { ...report, finished: "stopped" };
    if (report.stored >= maxEvents) return { ...report, finished: "max_events" };
    if (report.requests >= maxRequests) return { ...report, finished: "max_requests" };
    if (Date.now() > deadline) return { ...report, finished: "timeout" };
    const gap = await backfillFrontier(db, roomId, unobtainable);
    if (!gap) return report;
    const wanted = gap.missing;
    // `limit` counts the requested events themselves.
    const limit = Math.min(Math.max(batchSize, wanted.length + 10), maxEvents - report.stored + wanted.length);
    let pdus: Awaited<ReturnType<typeof backfillRequest>> | undefined;
    for (const server of room.servers) {
      report.requests++;
      try {
        pdus = await backfillRequest(server, roomId, wanted, limit);
        break;
      } catch (err) {
        logger.warn({ roomId, server, err: (err as Error).message }, "backfill request failed; trying another server");
      }
    }
    if (!pdus) {
      for (const id of wanted) unobtainable.add(id);
      continue;
    }
    const verified = await verifyBatch(pdus, room.roomVersion, { skipCountLimits: true });
    report.dropped += verified.dropped.length;
    const result = await storeVerified(db, { roomId, roomVersion: room.roomVersion }, verified.accepted, { kind: "backfill", before: gap.before }, "backfill");
    report.stored += result.inserted.length;
    await applyStateAfterFill(db, roomId, verified.accepted, result.inserted);
    const nowStored = new Set([...result.inserted, ...result.duplicates]);
    // A requested event that did not come back (or did not verify) is not asked for again now.
    for (const id of wanted) if (!nowStored.has(id)) unobtainable.add(id);
    // Nothing new although the server had the events: the gap would be chosen again forever.
    if (result.inserted.length === 0 && wanted.some((id) => nowStored.has(id))) return { ...report, finished: "no_progress" };
  }
}
