import { getDb, type Db } from "@/lib/db";
import { backfill as backfillRequest } from "@/lib/federation/client/endpoints";
import { storeVerified } from "@/lib/federation/store-events";
import { verifyBatch } from "@/lib/federation/verify-batch";
import { logger } from "@/lib/log";

// Backfilling a room toward its creation: take the latest gap whose far side is known (its
// missing prev_events), ask a resident server for those events and their ancestors, verify,
// and insert them into that gap. The timeline's gaps are the only progress record, so an
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

interface OpenGap {
  missing: string[];
  /** The stored event right after the gap. */
  before: string;
}

/** Gaps with known missing prev_events, latest first. */
export async function openGaps(db: Db, roomId: string, skip: ReadonlySet<string>): Promise<OpenGap[]> {
  const rows = await db.$queryRaw<{ missing: string[]; before: string | null }[]>`
    SELECT g.missing_prev_events AS missing,
      (SELECT i.event_id FROM timeline_items i
        WHERE i.room_id = g.room_id AND i.position > g.position AND i.kind = 'event'
        ORDER BY i.position LIMIT 1) AS before
    FROM timeline_items g
    WHERE g.room_id = ${roomId} AND g.kind = 'gap' AND cardinality(g.missing_prev_events) > 0
    ORDER BY g.position DESC`;
  return rows
    .map((r) => ({ missing: r.missing.filter((m) => !skip.has(m)), before: r.before ?? "" }))
    .filter((g) => g.missing.length > 0 && g.before !== "");
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
    const gap = (await openGaps(db, roomId, unobtainable))[0];
    if (!gap) return report;
    const wanted = gap.missing.slice(0, 20);
    const limit = Math.min(batchSize, maxEvents - report.stored + wanted.length);
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
    const nowStored = new Set([...result.inserted, ...result.duplicates]);
    // A requested event that did not come back (or did not verify) is not asked for again now.
    for (const id of wanted) if (!nowStored.has(id)) unobtainable.add(id);
    // Nothing new although the server had the events: the gap would be chosen again forever.
    if (result.inserted.length === 0 && wanted.some((id) => nowStored.has(id))) return { ...report, finished: "no_progress" };
  }
}
