import { getDb, type Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { backfill as backfillRequest } from "@/lib/federation/client/endpoints";
import { eventRefs } from "@/lib/federation/store-events";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { frontierParts, startingAt } from "@/lib/federation/backfill-parts";
import { FetchAhead } from "@/lib/federation/fetch-ahead";
import { askableServers, tryServers, type ServerAnswer } from "@/lib/federation/try-servers";
import { verifyBatch, type BatchVerification } from "@/lib/federation/verify-batch";
import type { JsonObject } from "@/lib/matrix/json-value";
import { backfillFrontier } from "@/lib/timeline";

// Backfilling a room toward its creation: take the latest cluster of gaps whose far side is known
// (their missing prev_events), ask a resident server for those events and their ancestors,
// verify, and insert them before the cluster. The timeline's gaps are the only progress record, so an
// interrupted backfill resumes where it stopped and the store's idempotence rules out duplicates.
//
// Pipelined: when an answer arrives, the prev_events it names but does not hold are what the next
// frontier will most likely ask for, so that request goes out at once, while this answer is
// verified and stored; at most `batchesInFlight` answers are fetched ahead. Each frontier is
// still read from the store after the previous batch is in, and a fetched-ahead answer is used
// only when it was asked for exactly that frontier (otherwise it is dropped and the frontier is
// asked for), so the events stored and their order are those of a backfill one request at a
// time.
//
// Several servers at once: a frontier of several events (branches that merged) is dealt into
// parts (backfill-parts.ts), at most `serversAtOnce`, each asked of a different server first, all
// in flight together; their answers are stored one after the other into the same gap, an event
// that an earlier part already brought skipped. A frontier of one event (linear history, most of
// a room) is one request, as before.

export interface BackfillOptions {
  /** Stop after storing this many events. */
  maxEvents?: number;
  /** Stop after this many requests. */
  maxRequests?: number;
  /** Wall-clock bound. */
  timeoutMs?: number;
  /** Events per request (Synapse caps at 100; it counts the requested events). */
  batchSize?: number;
  /** Answers fetched ahead of the one being stored (default BACKFILL_BATCHES_IN_FLIGHT). */
  batchesInFlight?: number;
  /** Servers asked at once for the parts of one frontier (default BACKFILL_SERVERS_AT_ONCE). */
  serversAtOnce?: number;
  db?: Db;
  /** Stop early when this returns true (e.g. a test simulating an interruption). */
  shouldStop?: () => boolean;
}

export interface BackfillReport {
  stored: number;
  requests: number;
  dropped: number;
  /** Events stored per server that gave them. */
  byServer: Record<string, number>;
  /** Why it stopped. */
  finished: "complete" | "max_events" | "max_requests" | "timeout" | "stopped" | "no_progress";
}

/** A server's answer, verified as it arrived (verification is the pipeline's first step; done early, it overlaps the previous batch's storing). */
type PartAnswer = ServerAnswer<JsonObject[]> & {
  verified: BatchVerification;
  /** The part of the frontier this answers. */
  asked: readonly string[];
  /** Whether the server gave as many events as asked for: it may hold more than it sent. */
  full: boolean;
};
/** The answers to one frontier's parts, in the parts' order; undefined when no part was answered. */
type Answer = PartAnswer[] | undefined;

export async function backfillRoom(roomId: string, options: BackfillOptions = {}): Promise<BackfillReport> {
  const db = options.db ?? getDb();
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, servers: true, status: true } });
  if (!room || room.status !== "joined") throw new Error(`room ${roomId} is not joined`);
  const maxEvents = options.maxEvents ?? 100_000;
  const maxRequests = options.maxRequests ?? 10_000;
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const batchSize = Math.min(options.batchSize ?? 100, 100);
  const report: BackfillReport = { stored: 0, requests: 0, dropped: 0, byServer: {}, finished: "complete" };
  const serversAtOnce = Math.max(1, options.serversAtOnce ?? getEnv().BACKFILL_SERVERS_AT_ONCE);
  // Events no server would give us (or that failed verification) in this run.
  const unobtainable = new Set<string>();
  const limitFor = (wanted: readonly string[]) => Math.min(Math.max(batchSize, wanted.length + 10), maxEvents - report.stored + wanted.length);
  const ahead = new FetchAhead<Answer>({
    depth: Math.max(1, options.batchesInFlight ?? getEnv().BACKFILL_BATCHES_IN_FLIGHT),
    servers: room.servers,
    canStart: () => report.requests < maxRequests && report.stored < maxEvents && Date.now() <= deadline && !options.shouldStop?.(),
    // What the next frontier will most likely be: the prev_events this answer names and does not hold.
    next: (answer, asked) => {
      if (!answer) return undefined;
      const accepted = answer.flatMap((part) => part.verified.accepted);
      const held = new Set(accepted.map((a) => a.eventId));
      const ids = [...new Set(accepted.flatMap((a) => eventRefs(a.pdu.prev_events)))];
      return {
        server: answer.find((part) => part.value.length > 0)?.server,
        wanted: ids.filter((id) => !held.has(id) && !asked.includes(id) && !unobtainable.has(id)),
      };
    },
    fetch: async (servers, wanted) => {
      const parts = frontierParts(wanted, Math.min(serversAtOnce, askableServers(servers).length));
      report.requests += parts.length;
      const answers = await Promise.all(
        parts.map(async (part, i): Promise<PartAnswer | undefined> => {
          const limit = limitFor(part);
          const answer = await tryServers(startingAt(servers, i), (server) => backfillRequest(server, roomId, part, limit), {
            what: "backfill",
            roomId,
            deadline,
            // Synapse answers /backfill for events it does not hold with an empty 200.
            useful: (pdus) => pdus.length > 0,
          });
          if (!answer) return undefined;
          const verified = await verifyBatch(answer.value, room.roomVersion, { skipCountLimits: true, db });
          return { ...answer, verified, asked: part, full: answer.value.length >= limit };
        }),
      );
      const answered = answers.filter((a): a is PartAnswer => a !== undefined);
      return answered.length > 0 ? answered : undefined;
    },
  });
  // Frontiers that brought nothing new: another writer (a second backfill, a reader's fill) may
  // have stored what was asked for, which moves the frontier on; only the same one twice is stuck.
  const unproductive = new Set<string>();

  for (;;) {
    if (options.shouldStop?.()) return { ...report, finished: "stopped" };
    if (report.stored >= maxEvents) return { ...report, finished: "max_events" };
    if (report.requests >= maxRequests && !ahead.holds()) return { ...report, finished: "max_requests" };
    if (Date.now() > deadline) return { ...report, finished: "timeout" };
    const gap = await backfillFrontier(db, roomId, unobtainable);
    if (!gap) return report;
    const wanted = gap.missing;
    const pending = ahead.take(wanted);
    if (!pending) return { ...report, finished: "max_requests" };
    const answer = await pending;
    if (!answer) {
      for (const id of wanted) unobtainable.add(id);
      continue;
    }
    const nowStored = new Set<string>();
    let inserted = 0;
    for (const part of answer) {
      // Branches that met again: an event an earlier part brought is not stored twice.
      const accepted = part.verified.accepted.filter((a) => !nowStored.has(a.eventId));
      const result = await ingestPdus(
        {
          roomId,
          pdus: part.value,
          verified: { ...part.verified, accepted },
          source: "backfill",
          arrival: { kind: "backfill", before: gap.before },
          origin: part.server,
          skipCountLimits: true,
        },
        db,
      );
      report.dropped += result.dropped + result.rejected;
      report.stored += result.inserted.length;
      if (result.inserted.length > 0) report.byServer[part.server] = (report.byServer[part.server] ?? 0) + result.inserted.length;
      inserted += result.inserted.length;
      if (result.purged) return { ...report, finished: "stopped" };
      for (const id of [...result.inserted, ...result.duplicates]) nowStored.add(id);
    }
    // A requested event that did not come back (or did not verify) is not asked for again now,
    // unless its server sent a full answer: a server walks back from all the events asked for,
    // newest first, so an event far older than the others asked with it can be left out of an
    // answer the newer ones filled.
    const mayHoldMore = new Set(answer.filter((part) => part.full).flatMap((part) => part.asked));
    for (const id of wanted) if (!nowStored.has(id) && !mayHoldMore.has(id)) unobtainable.add(id);
    // Nothing new, although the events were there (someone else stored them) or a full answer
    // may still hold more: the same frontier twice would be chosen again forever.
    if (inserted === 0) {
      const frontier = `${gap.before}|${wanted.join(",")}`;
      if (unproductive.has(frontier)) return { ...report, finished: "no_progress" };
      unproductive.add(frontier);
    }
  }
}
