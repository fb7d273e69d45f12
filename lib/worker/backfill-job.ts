import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { backfillRoom, type BackfillReport } from "@/lib/federation/backfill";
import { progressOf } from "@/lib/jobs/backfill-progress";
import type { JobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { backfillFrontier } from "@/lib/timeline";

// A room's backfill toward its creation as a chain of bounded steps: each job stores at most
// BACKFILL_STEP_EVENTS events in at most BACKFILL_STEP_SECONDS, records how far it came, and queues
// the next step after BACKFILL_PAUSE_SECONDS. A crash loses one step at most (the queue retries it
// once its lease expires; the store's idempotence makes a repeated step harmless), several
// workers never run two steps of one room at once (one running job per room), and a long history
// never holds a worker for hours.

// Below the backfill lease (lib/jobs/queue.ts, 90 s) with room for one last request and its insert.
const BACKFILL_STEP_SECONDS = 45;

export interface BackfillStepResult extends BackfillReport {
  /** Another step was queued. */
  continues: boolean;
  /** Estimated share of the room's history held, 0–1 (by depth), null when unknown. */
  progress: number | null;
}

/** Depth of the oldest event the backfill has reached (the event after its next gap); null when none is left. */
async function frontierDepth(db: Db, roomId: string): Promise<bigint | null> {
  const frontier = await backfillFrontier(db, roomId, new Set());
  if (!frontier) return null;
  const event = await db.event.findUnique({ where: { eventId: frontier.before }, select: { depth: true } });
  return event?.depth ?? null;
}

/**
 * What a finished step means for the backfill: another step, or the end and why. Stopped by its
 * own bounds with history left, the next step goes on from the gaps. So does a step that stored
 * something but ran out of frontiers its servers would answer for (right after a homeserver
 * restarts, /backfill may answer nothing for a while): the next step asks again. Each such step
 * stores at least one event, so the chain ends; a step that stores nothing with history left ends
 * the backfill as it is (`no_progress`), never as `complete`.
 */
export function stepOutcome(report: Pick<BackfillReport, "finished" | "stored">, historyLeft: boolean): { continues: boolean; finished: string | null } {
  const bounded = report.finished === "max_events" || report.finished === "max_requests" || report.finished === "timeout";
  const continues = historyLeft && (bounded || (report.finished === "complete" && report.stored > 0));
  if (continues) return { continues, finished: null };
  if (!historyLeft) return { continues, finished: "complete" };
  return { continues, finished: report.finished === "complete" ? "no_progress" : report.finished };
}

export async function runBackfillStep(db: Db, queue: JobQueue, roomId: string): Promise<BackfillStepResult> {
  const env = getEnv();
  const existing = await db.backfillProgress.findUnique({ where: { roomId } });
  if (!existing || existing.finished !== null) {
    const top = await db.event.aggregate({ where: { roomId }, _max: { depth: true } });
    const data = {
      stored: 0,
      requests: 0,
      steps: 0,
      topDepth: top._max.depth ?? null,
      frontierDepth: await frontierDepth(db, roomId),
      finished: null,
      startedAt: new Date(),
    };
    await db.backfillProgress.upsert({ where: { roomId }, create: { roomId, ...data }, update: data });
  }
  const report = await backfillRoom(roomId, { db, maxEvents: env.BACKFILL_STEP_EVENTS, timeoutMs: BACKFILL_STEP_SECONDS * 1000 });
  const depth = await frontierDepth(db, roomId);
  const { continues, finished } = stepOutcome(report, depth !== null);
  const row = await db.backfillProgress.update({
    where: { roomId },
    data: { stored: { increment: report.stored }, requests: { increment: report.requests }, steps: { increment: 1 }, frontierDepth: depth, finished },
  });
  if (continues) await queue.enqueue("backfill", { roomId }, { startAfterSeconds: env.BACKFILL_PAUSE_SECONDS, notRunning: true });
  else logger.info({ roomId, stored: row.stored, requests: row.requests, steps: row.steps, finished }, "backfill finished");
  return { ...report, continues, progress: progressOf(row) };
}
