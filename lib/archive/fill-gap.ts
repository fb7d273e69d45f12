import type { Db } from "@/lib/db";
import { backfill as backfillRequest } from "@/lib/federation/client/endpoints";
import { fillForwards } from "@/lib/federation/fill-forwards";
import { tryServers } from "@/lib/federation/try-servers";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { z } from "zod";
import { getJobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { getGap } from "@/lib/timeline";

// "Load missing messages" for one gap: backwards from the event after it when the gap records
// missing prev_events (/backfill), otherwise forwards from the event before it (MSC4000
// forwards_fill, with the get_missing_events fallback in lib/federation). Bounded in rounds and
// time so a reader's request never hangs on a slow server; what is still unknown stays a gap.

export interface FillGapReport {
  stored: number;
  /** The gap (or a part of it) is still there. */
  remaining: boolean;
  error: string | null;
}

export interface FillGapOptions {
  timeoutMs?: number;
  maxRounds?: number;
}

// A server that answers with nothing new is not the end of the search: after a netsplit the
// server the archive joined through often has the same hole (Synapse answers /backfill for events
// it does not hold with an empty 200), and only the server that was cut off holds the history.
async function backfillOnce(db: Db, room: { roomId: string; servers: string[] }, missing: string[], before: string, deadline: number): Promise<number> {
  const answer = await tryServers(
    room.servers,
    async (server) => {
      const pdus = await backfillRequest(server, room.roomId, missing.slice(0, 50), 100);
      const report = await ingestPdus(
        { roomId: room.roomId, pdus, source: "backfill", arrival: { kind: "backfill", before }, origin: server, skipCountLimits: true },
        db,
      );
      return report.inserted.length;
    },
    { what: "gap backfill", roomId: room.roomId, deadline, useful: (stored) => stored > 0 },
  );
  return answer?.value ?? 0;
}

export async function fillGap(db: Db, roomId: string, gapId: bigint, options: FillGapOptions = {}): Promise<FillGapReport | null> {
  const room = await db.room.findUnique({
    where: { roomId },
    select: { roomId: true, roomVersion: true, servers: true, historyVisibility: true, status: true },
  });
  if (!room || room.historyVisibility !== "world_readable" || room.status !== "joined") return null;
  let gap = await getGap(db, roomId, gapId);
  if (!gap) return { stored: 0, remaining: false, error: null };
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const maxRounds = options.maxRounds ?? 5;
  let stored = 0;
  let error: string | null = null;
  for (let round = 0; gap && round < maxRounds && Date.now() < deadline; round++) {
    let got = 0;
    try {
      const after = gap.missingPrevEvents.length > 0 ? gap.eventAfter : null;
      const before = gap.eventBefore;
      if (after) {
        got = await backfillOnce(db, room, gap.missingPrevEvents, after, deadline);
      }
      if (got === 0 && before) {
        got = (await fillForwards(roomId, before, { db, limit: 100 })).stored;
      }
    } catch (err) {
      error = (err as Error).message;
      logger.warn({ roomId, gapId: gapId.toString(), err: error }, "gap fill failed");
      break;
    }
    stored += got;
    if (got === 0) break;
    gap = await getGap(db, roomId, gapId);
  }
  return { stored, remaining: gap !== null, error };
}

// A reader's button press, not a crawler's loop: presses on the same gap, on any instance, join
// one job (`fill-gap`); the request waits for it a while and otherwise answers that it is still
// running, and the page asks again (which joins the same job).
const READER_WAIT_MS = 20_000;

export type ReaderFillReport = FillGapReport & { pending: boolean };

export async function fillGapForReader(db: Db, roomId: string, gapId: bigint, waitMs = READER_WAIT_MS): Promise<ReaderFillReport | null> {
  const room = await db.room.findUnique({ where: { roomId }, select: { historyVisibility: true, status: true } });
  if (!room || room.historyVisibility !== "world_readable" || room.status !== "joined") return null;
  if (!(await getGap(db, roomId, gapId))) return { stored: 0, remaining: false, error: null, pending: false };
  const queue = await getJobQueue();
  const { id } = await queue.enqueue("fill-gap", { roomId, gapId: gapId.toString() });
  const job = await queue.wait("fill-gap", id, waitMs);
  if (job?.state === "completed") {
    const report = fillGapReport.safeParse(job.output);
    if (report.success) return { ...report.data, pending: false };
    // A fill that found the room gone (purged while the reader waited).
    return null;
  }
  if (job?.state === "failed" || job?.state === "cancelled") return { stored: 0, remaining: true, error: "the fill failed", pending: false };
  return { stored: 0, remaining: true, error: null, pending: true };
}

const fillGapReport = z.object({ stored: z.number(), remaining: z.boolean(), error: z.string().nullable() });
