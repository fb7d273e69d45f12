import { fillDayNow } from "@/lib/archive/fill-day";
import { fillGap } from "@/lib/archive/fill-gap";
import { joinRoom } from "@/lib/archive/join-room";
import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { catchUpRoom } from "@/lib/federation/catch-up";
import { getPublicRooms } from "@/lib/federation/client/endpoints";
import { roomPolicy } from "@/lib/federation/policy";
import { sweep } from "@/lib/federation/purge-room";
import { JOB_PAYLOADS, type JobKind, type JobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { runBackfillStep } from "@/lib/worker/backfill-job";

// What each kind of job does. Every handler is idempotent (the store ignores what it holds, a
// fill of a filled gap finds nothing to do) and bounded in time below its kind's expiry, and a
// job for a room that is no longer archived (purged, left, denied) ends at once doing nothing.

export interface HandlerContext {
  db: Db;
  queue: JobQueue;
}

type Handler = (ctx: HandlerContext, data: Record<string, unknown>) => Promise<unknown>;

/** Why a room-bound job has nothing to do, or undefined when its room is archived. */
async function roomGone(db: Db, roomId: string): Promise<string | undefined> {
  const room = await db.room.findUnique({ where: { roomId }, select: { status: true, canonicalAlias: true } });
  if (!room) return "the archive does not hold this room";
  if (room.status !== "joined") return `the room is ${room.status}`;
  const policy = roomPolicy(roomId, [room.canonicalAlias]);
  return policy.allowed ? undefined : policy.reason;
}

const CRAWL_PAGES = 20;
const CRAWL_PAGE_SIZE = 100;

/** Every world-readable room in the directories of DIRECTORY_SERVERS, bounded in pages. */
async function crawlDirectories(ctx: HandlerContext): Promise<{ queued: number; seen: number }> {
  let queued = 0;
  let seen = 0;
  for (const server of getEnv().DIRECTORY_SERVERS) {
    let since: string | undefined;
    for (let page = 0; page < CRAWL_PAGES; page++) {
      let answer;
      try {
        answer = await getPublicRooms(server, { limit: CRAWL_PAGE_SIZE, since });
      } catch (err) {
        logger.warn({ server, err: (err as Error).message }, "directory crawl: could not read a directory page");
        break;
      }
      for (const room of answer.chunk) {
        seen++;
        if (!room.world_readable) continue;
        if (!roomPolicy(room.room_id, [room.canonical_alias]).allowed) continue;
        const row = await ctx.db.room.findUnique({ where: { roomId: room.room_id }, select: { status: true, stayOutReason: true } });
        if (row?.status === "joined" || row?.stayOutReason) continue;
        await ctx.queue.enqueue("join", { room: room.room_id, via: [server] });
        queued++;
      }
      if (!answer.next_batch || answer.chunk.length === 0) break;
      since = answer.next_batch;
    }
  }
  return { queued, seen };
}

/** ARCHIVE_ROOMS: each room not joined (and not kept out) gets a join job. */
export async function keepRooms(ctx: HandlerContext): Promise<number> {
  let queued = 0;
  for (const room of getEnv().ARCHIVE_ROOMS) {
    const row = await ctx.db.room.findFirst({
      where: room.startsWith("#") ? { canonicalAlias: room } : { roomId: room },
      select: { status: true, stayOutReason: true },
    });
    if (row?.status === "joined" || row?.stayOutReason) continue;
    await ctx.queue.enqueue("join", { room });
    queued++;
  }
  return queued;
}

export const HANDLERS: Record<JobKind, Handler> = {
  async join(ctx, data) {
    const { room, via } = JOB_PAYLOADS.join.parse(data);
    const result = await joinRoom(room, { via, db: ctx.db });
    // A refusal is an answer; a join that failed (no server answered) is retried with backoff.
    if (result.status === "failed") throw new Error(result.error);
    return result;
  },
  async backfill(ctx, data) {
    const { roomId } = JOB_PAYLOADS.backfill.parse(data);
    const gone = await roomGone(ctx.db, roomId);
    if (gone) return { skipped: gone };
    return runBackfillStep(ctx.db, ctx.queue, roomId);
  },
  async "fill-day"(ctx, data) {
    const { roomId, start, end } = JOB_PAYLOADS["fill-day"].parse(data);
    const gone = await roomGone(ctx.db, roomId);
    if (gone) return { skipped: gone };
    const room = await ctx.db.room.findUniqueOrThrow({ where: { roomId }, select: { roomId: true, roomVersion: true, servers: true } });
    await fillDayNow(ctx.db, room, start, end);
    return { filled: true };
  },
  async "fill-gap"(ctx, data) {
    const { roomId, gapId } = JOB_PAYLOADS["fill-gap"].parse(data);
    const gone = await roomGone(ctx.db, roomId);
    if (gone) return { skipped: gone };
    return fillGap(ctx.db, roomId, BigInt(gapId));
  },
  async "catch-up"(ctx, data) {
    const { roomId } = JOB_PAYLOADS["catch-up"].parse(data);
    const gone = await roomGone(ctx.db, roomId);
    if (gone) return { skipped: gone };
    const report = await catchUpRoom(ctx.db, roomId);
    // What the newest event's /get_missing_events did not bring is the backfill's, newest gap first.
    if (!report.upToDate && getEnv().FILL_MISSED_HISTORY) await ctx.queue.enqueue("backfill", { roomId });
    return report;
  },
  async "purge-sweep"(ctx, data) {
    const { roomId } = JOB_PAYLOADS["purge-sweep"].parse(data);
    await sweep(ctx.db, roomId);
    return { swept: true };
  },
  async crawl(ctx) {
    if (!getEnv().ARCHIVE_CRAWL_DIRECTORIES) return { skipped: "ARCHIVE_CRAWL_DIRECTORIES is off" };
    return crawlDirectories(ctx);
  },
  async "catch-up-all"(ctx, data) {
    const { joinedBefore = Date.now() } = JOB_PAYLOADS["catch-up-all"].parse(data);
    const rooms = await ctx.db.room.findMany({
      where: { status: "joined", joinedAt: { lt: new Date(joinedBefore) } },
      select: { roomId: true },
      take: 100_000,
    });
    for (const { roomId } of rooms) await ctx.queue.enqueue("catch-up", { roomId });
    return { queued: rooms.length };
  },
};
