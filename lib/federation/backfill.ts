import { getDb, type Db } from "@/lib/db";
import { backfill as backfillRequest } from "@/lib/federation/client/endpoints";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { tryServers } from "@/lib/federation/try-servers";
import { backfillFrontier } from "@/lib/timeline";

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
    const answer = await tryServers(room.servers, (server) => backfillRequest(server, roomId, wanted, limit), {
      what: "backfill",
      roomId,
      deadline,
      // Synapse answers /backfill for events it does not hold with an empty 200.
      useful: (pdus) => pdus.length > 0,
    });
    report.requests++;
    if (!answer) {
      for (const id of wanted) unobtainable.add(id);
      continue;
    }
    const result = await ingestPdus(
      { roomId, pdus: answer.value, source: "backfill", arrival: { kind: "backfill", before: gap.before }, origin: answer.server, skipCountLimits: true },
      db,
    );
    report.dropped += result.dropped + result.rejected;
    report.stored += result.inserted.length;
    if (result.purged) return { ...report, finished: "stopped" };
    const nowStored = new Set([...result.inserted, ...result.duplicates]);
    // A requested event that did not come back (or did not verify) is not asked for again now.
    for (const id of wanted) if (!nowStored.has(id)) unobtainable.add(id);
    // Nothing new although the server had the events: the gap would be chosen again forever.
    if (result.inserted.length === 0 && wanted.some((id) => nowStored.has(id))) return { ...report, finished: "no_progress" };
  }
}
