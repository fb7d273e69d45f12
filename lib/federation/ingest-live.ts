import type { Db } from "@/lib/db";
import { getMissingEvents } from "@/lib/federation/client/endpoints";
import { getEnv } from "@/lib/env";
import { getJobQueue } from "@/lib/jobs/queue";
import type { PduResults } from "@/lib/federation/inbound/send-transaction";
import { followUpgrade } from "@/lib/federation/follow-upgrade";
import { eventRefs } from "@/lib/federation/store-events";
import { ingestPdus, type IngestReport } from "@/lib/ingest/pipeline";
import { logger } from "@/lib/log";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";

// PDUs pushed to us by /send, per room: their missing prev_events asked for once with
// /get_missing_events (bounded), then everything through the ingest pipeline, which verifies,
// authorizes and appends them live. What cannot be closed stays a gap.

const MISSING_EVENTS_LIMIT = 10;
const MISSING_EVENTS_TIMEOUT_MS = 10_000;

export async function ingestLivePdus(db: Db, origin: string, pdus: readonly JsonObject[]): Promise<PduResults> {
  const results: PduResults = {};
  const byRoom = new Map<string, JsonObject[]>();
  for (const pdu of pdus) {
    const roomId = typeof pdu.room_id === "string" ? pdu.room_id : undefined;
    if (!roomId) continue;
    byRoom.set(roomId, [...(byRoom.get(roomId) ?? []), pdu]);
  }
  for (const [roomId, roomPdus] of byRoom) {
    const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, status: true } });
    try {
      const holes = room?.status === "joined" ? await fetchMissingPrevs(db, roomId, room.roomVersion, origin, roomPdus) : [];
      const report = await ingestPdus({ roomId, pdus: roomPdus, source: "send", arrival: { kind: "live" }, origin, edge: true }, db);
      Object.assign(results, resultsOf(report, roomPdus, room?.roomVersion ?? "1"));
      // A tombstone among them: the history continues in the successor room, which the archive follows.
      await followUpgrade(db, roomId, report.inserted);
      if (holes.length > 0 && report.inserted.length > 0 && getEnv().FILL_MISSED_HISTORY) await queueBackfillForHoles(roomId);
    } catch (err) {
      // Never let one room's failure turn the transaction into a non-200: the sender would back
      // off the archive for every room. Report it per PDU instead.
      logger.error({ err, roomId, origin }, "storing pushed PDUs failed");
      for (const pdu of roomPdus) {
        const id = eventIdOrUndefined(pdu, room?.roomVersion ?? "1");
        if (id && !results[id]) results[id] = { error: "could not be stored" };
      }
    }
  }
  return results;
}

/** The /send answer: `{}` for a PDU the room now holds, an error saying why for any other. */
function resultsOf(report: IngestReport, pdus: readonly JsonObject[], roomVersion: string): PduResults {
  const results: PduResults = {};
  const unnamed = report.outcomes.filter((o) => o.eventId === undefined);
  for (const o of report.outcomes) {
    if (o.eventId === undefined) continue;
    results[o.eventId] = o.status === "stored" || o.status === "duplicate" ? {} : { error: `${o.status}: ${o.reason ?? ""}`.trim() };
  }
  // Outcomes without an ID (refused before verification, keys unavailable): every PDU not otherwise answered shares the reason.
  if (unnamed.length > 0) {
    for (const pdu of pdus) {
      const id = eventIdOrUndefined(pdu, roomVersion);
      if (id && !results[id]) results[id] = { error: `${unnamed[0]!.status}: ${unnamed[0]!.reason ?? ""}`.trim() };
    }
  }
  return results;
}

/**
 * Asks the sender for what lies between the room's live edge and the pushed events; returns the
 * prev_events the archive did not hold before (those still missing afterwards leave a gap).
 */
async function fetchMissingPrevs(db: Db, roomId: string, roomVersion: string, origin: string, pdus: readonly JsonObject[]): Promise<string[]> {
  const ids = pdus.map((p) => eventIdOrUndefined(p, roomVersion)).filter((id): id is string => id !== undefined);
  const batch = new Set(ids);
  const prevs = [...new Set(pdus.flatMap((p) => eventRefs(p.prev_events)))].filter((id) => !batch.has(id));
  if (prevs.length === 0) return [];
  const stored = await db.event.findMany({ where: { eventId: { in: prevs } }, select: { eventId: true } });
  if (stored.length === prevs.length) return [];
  const held = new Set(stored.map((e) => e.eventId));
  const unheld = prevs.filter((id) => !held.has(id));
  // The sender's view of what we miss: everything between the room's live edge and the new events.
  const extremities = await db.forwardExtremity.findMany({ where: { roomId }, select: { eventId: true }, take: 20 });
  const edge =
    extremities.length > 0 ? extremities : await db.event.findMany({ where: { roomId }, orderBy: [{ depth: "desc" }], take: 5, select: { eventId: true } });
  try {
    const missing = await Promise.race([
      getMissingEvents(origin, roomId, { earliestEvents: edge.map((e) => e.eventId), latestEvents: ids, limit: MISSING_EVENTS_LIMIT }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("get_missing_events took too long")), MISSING_EVENTS_TIMEOUT_MS).unref()),
    ]);
    if (missing.length > 0) await ingestPdus({ roomId, pdus: missing, source: "missing", arrival: { kind: "live" }, origin, edge: true }, db);
  } catch (err) {
    logger.info({ roomId, origin, err: (err as Error).message }, "could not fetch missing prev_events; leaving a gap");
  }
  return unheld;
}

/**
 * A hole left at the live edge (the archive was away, or the sender's /get_missing_events was
 * short) is not left for a reader to find: the room's backfill job fills it, newest gap first.
 */
async function queueBackfillForHoles(roomId: string): Promise<void> {
  try {
    const queue = await getJobQueue();
    await queue.enqueue("backfill", { roomId });
  } catch (err) {
    logger.warn({ roomId, err: (err as Error).message }, "could not queue the backfill of a hole at the live edge");
  }
}

function eventIdOrUndefined(pdu: JsonObject, roomVersion: string): string | undefined {
  try {
    return computeEventId(pdu, roomVersion);
  } catch {
    return undefined;
  }
}
