import type { Db } from "@/lib/db";
import { fillGap } from "@/lib/archive/fill-gap";
import { isoDate } from "@/lib/archive/day-range";
import { fillForwards } from "@/lib/federation/fill-forwards";
import { jumpToTimestamp } from "@/lib/federation/jump";
import { takeFederationSlot } from "@/lib/archive/reader-limits";
import { getJobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { getDayWindow } from "@/lib/timeline";

// The day fill (docs/day-pages.md, "Gaps and fills"), run on a day's first view: a day the
// archive holds nothing of is located with /timestamp_to_event and filled forwards from there;
// gaps inside a day are filled through fillGap (backfill, else forwards fill). The page waits
// a few seconds at most, then renders what is stored; the fill goes on as a job and later views
// show the result.

const PAGE_WAIT_MS = 3_000;
const FILL_BUDGET_MS = 30_000;
const RETRY_AFTER_SUCCESS_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 30_000;

interface RoomForFill {
  roomId: string;
  roomVersion: string;
  servers: string[];
}

// Per process: which days were filled lately, so that every view of a day does not ask the queue
// again. Fills under way are jobs, shared by all readers on all instances.
const recent = new Map<string, number>();

/** A day the archive holds nothing of: jump to its first event, then fill forwards from it. */
async function locateDay(db: Db, room: RoomForFill, start: number, end: number, deadline: number): Promise<number> {
  const jump = await jumpToTimestamp(room.roomId, start, "f", { db, servers: room.servers.slice(0, 3) });
  if (!jump || jump.originServerTs >= end) return 0;
  let total = jump.stored ? 1 : 0;
  let from = jump.eventId;
  for (let round = 0; round < 10 && Date.now() < deadline; round++) {
    const report = await fillForwards(room.roomId, from, { db, limit: 100 });
    total += report.stored;
    const last = report.inserted.at(-1);
    if (!last || report.stored === 0) break;
    const lastTs = await db.timelineItem.findFirst({ where: { eventId: last }, select: { ts: true } });
    if (lastTs?.ts != null && Number(lastTs.ts) >= end) break;
    from = last;
  }
  return total;
}

/**
 * When the room was created (its m.room.create's origin_server_ts), or null when the archive does
 * not hold it (history not backfilled that far): days before it have nothing to fill.
 */
async function roomCreatedTs(db: Db, roomId: string): Promise<number | null> {
  const create = await db.event.findFirst({ where: { roomId, type: "m.room.create", stateKey: "" }, select: { originServerTs: true } });
  return create ? Number(create.originServerTs) : null;
}

/** Whether day [start, end) can hold anything of the room: not in the future, not before its creation. */
export async function dayMayHoldEvents(db: Db, roomId: string, start: number, end: number, now = Date.now()): Promise<boolean> {
  if (start > now) return false;
  const created = await roomCreatedTs(db, roomId);
  return created === null || end > created;
}

/** The fill-day job: a day's gaps filled (or a missing day located), bounded in time. */
export async function fillDayNow(db: Db, room: RoomForFill, start: number, end: number): Promise<void> {
  // Checked here too, not only by the page: a job queued by any other path asks no server either.
  if (!(await dayMayHoldEvents(db, room.roomId, start, end))) return;
  const deadline = Date.now() + FILL_BUDGET_MS;
  const window = await getDayWindow(db, { roomId: room.roomId, day: isoDate(start), limit: 1000, denials: false });
  // Without a stored event of the day, its only gap is the one the whole day lies in.
  const dayIsMissing = !window.items.some((i) => i.kind === "event");
  for (const gap of window.items) {
    if (Date.now() > deadline) break;
    if (gap.kind !== "gap") continue;
    if (dayIsMissing) {
      await locateDay(db, room, start, end, deadline);
    } else {
      const report = await fillGap(db, room.roomId, BigInt(gap.gapId), { timeoutMs: Math.max(0, deadline - Date.now()), maxRounds: 3 });
      if (report?.error) throw new Error(report.error);
    }
  }
}

/**
 * Fills day [start, end) of a room when it was not filled lately, waiting at most a few
 * seconds; never throws (federation trouble leaves gaps, not an error page). The fill is a job
 * (`fill-day`), so readers of one day on several instances share one fill and a fill outlives
 * the request that started it.
 */
export async function fillDayOnView(room: RoomForFill, start: number, end: number, waitMs = PAGE_WAIT_MS): Promise<void> {
  if (room.servers.length === 0) return;
  const key = `${room.roomId}|${start}`;
  const now = Date.now();
  if (recent.size > 10_000) for (const [k, until] of recent) if (until <= now) recent.delete(k);
  if ((recent.get(key) ?? 0) > now) return;
  // One of the process's slots for readers' federation work (READER_FEDERATION_CONCURRENCY), held
  // while the page waits; without one the page shows what is stored and a later view fills.
  const release = takeFederationSlot();
  if (!release) {
    logger.info({ roomId: room.roomId, day: isoDate(start) }, "no slot for a day fill on view; the page shows what is stored");
    return;
  }
  try {
    const queue = await getJobQueue();
    const { id } = await queue.enqueue("fill-day", { roomId: room.roomId, start, end });
    const job = await queue.wait("fill-day", id, waitMs);
    if (job?.state === "completed") recent.set(key, Date.now() + RETRY_AFTER_SUCCESS_MS);
    else if (job?.state === "failed") recent.set(key, Date.now() + RETRY_AFTER_FAILURE_MS);
  } catch (err) {
    recent.set(key, Date.now() + RETRY_AFTER_FAILURE_MS);
    logger.warn({ roomId: room.roomId, day: isoDate(start), err: (err as Error).message }, "could not queue the day fill; the page shows gaps");
  } finally {
    release();
  }
}
