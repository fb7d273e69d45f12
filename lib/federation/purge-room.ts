import type { Db } from "@/lib/db";
import { getJobQueue } from "@/lib/jobs/queue";
import { leaveRoomOverFederation, type LeaveOutcome, type LeaveRoomFn } from "@/lib/federation/leave-room";
import { serverOfId } from "@/lib/federation/server-name";
import { logger } from "@/lib/log";
import { deleteCachedMedia } from "@/lib/media-cache/shared";
import { Prisma } from "@/lib/generated/prisma/client";
import { deleteRoomState } from "@/lib/ingest/state-store";
import { deleteRoomHistory, withRoomLock, type DeletedHistory, type Tx } from "@/lib/timeline";

// Consent (docs/consent.md): when a joined room's current history visibility
// stops being world_readable, its stored history is deleted at once and the archive leaves the
// room. The room row stays, marked `purged` with when and why, so pages can answer 403 instead
// of 404, the operator can see what happened, and a later join can bring it back.

const PURGED_STATUS = "purged";

/** The state event that ended world-readability. */
export interface VisibilityChange {
  historyVisibility: string;
  eventId: string;
  sender: string;
  originServerTs: number | undefined;
  /** Overrides the reason text (an ending that is not a visibility change: the archive kicked or banned). */
  reason?: string;
  /**
   * The room's admins opted out (kicked or banned the archive) or the operator removed it:
   * nothing rejoins the room automatically until an operator readmits it.
   */
  optOut?: boolean;
}

export interface StopArchivingOptions {
  /** Leaves the room; tests pass a stub so no request leaves the process. */
  leave?: LeaveRoomFn;
  /** Await the leave and the first sweep (tests, scripts) instead of running them in the background. */
  waitForLeave?: boolean;
  /**
   * Extra sweeps after the leave, for writers that were already past their status check when the
   * room was purged (a background backfill stores batch after batch without re-reading it).
   */
  sweepDelaysMs?: readonly number[];
}

interface StopArchivingResult {
  events: number;
  items: number;
  media: DeletedHistory["media"];
  /** Settles when the leave (and the sweep right after it) is done; never rejects. */
  leaving: Promise<LeaveOutcome>;
}

const DEFAULT_SWEEP_DELAYS_MS = [60_000, 10 * 60_000];

function purgeReason(change: VisibilityChange): string {
  if (change.reason) return change.reason;
  const when = change.originServerTs === undefined ? "" : ` at ${new Date(change.originServerTs).toISOString()}`;
  return `history_visibility became ${change.historyVisibility} (${change.eventId} by ${change.sender}${when})`;
}

/** Everything stored of a room's history: timeline, events, state groups and extremities. */
async function deleteHistory(tx: Tx, roomId: string): Promise<DeletedHistory> {
  const deleted = await deleteRoomHistory(tx, roomId);
  await deleteRoomState(tx, roomId);
  return deleted;
}

/**
 * Marks a joined room purged and deletes its history inside the caller's room-locked
 * transaction, so no reader ever sees a `joined` room with half its history or a `purged` one
 * with any. Undefined when the room is not (or no longer) joined: another call purged it.
 */
export async function purgeRoomInTx(tx: Tx, roomId: string, change: VisibilityChange): Promise<DeletedHistory | undefined> {
  const room = await tx.room.findUnique({ where: { roomId }, select: { status: true } });
  if (!room || room.status !== "joined") return undefined;
  await tx.room.update({
    where: { roomId },
    data: {
      status: PURGED_STATUS,
      historyVisibility: change.historyVisibility,
      purgedAt: new Date(),
      purgeReason: purgeReason(change),
      ...(change.optOut ? { stayOutReason: purgeReason(change) } : {}),
      // Room content, unlike the name and alias that pages need to answer 403 for its URLs.
      topic: null,
      avatarUrl: null,
      currentStateGroup: null,
      serverAcl: Prisma.DbNull,
    },
  });
  return deleteHistory(tx, roomId);
}

/** Deletes whatever was stored for a purged room after its purge; a re-joined room is left alone. */
async function sweepPurgedRoom(db: Db, roomId: string): Promise<DeletedHistory | undefined> {
  return withRoomLock(db, roomId, async (tx) => {
    const room = await tx.room.findUnique({ where: { roomId }, select: { status: true } });
    if (room?.status !== PURGED_STATUS) return undefined;
    return deleteHistory(tx, roomId);
  });
}

/** The second half of stopping: leave the room over federation and sweep what late writers stored. */
export async function leaveAfterPurge(
  db: Db,
  room: { roomId: string; roomVersion: string; servers: readonly string[] },
  change: VisibilityChange,
  purged: DeletedHistory,
  options: StopArchivingOptions = {},
): Promise<StopArchivingResult> {
  logger.warn(
    { roomId: room.roomId, events: purged.events, items: purged.items, media: purged.media.length, reason: purgeReason(change) },
    "room stopped being archived: history purged, leaving",
  );
  // Committed by now: the files of media that only this room named go from disk too.
  await deleteCachedMedia(purged.media);

  // The sender's server made the change, so it is surely still in the room.
  const senderServer = serverOfId(change.sender);
  const servers = [...new Set([...(senderServer ? [senderServer] : []), ...room.servers])];
  const leave = options.leave ?? leaveRoomOverFederation;
  const leaving = leave({ roomId: room.roomId, roomVersion: room.roomVersion, servers })
    .catch((err: unknown): LeaveOutcome => ({ left: false, attempts: 0, errors: [(err as Error).message] }))
    .then(async (outcome) => {
      if (outcome.left) logger.info({ roomId: room.roomId, server: outcome.server, eventId: outcome.eventId }, "left room that stopped being archived");
      else
        logger.error(
          { roomId: room.roomId, errors: outcome.errors },
          "could not leave room that stopped being archived (history is purged; /send refuses its PDUs)",
        );
      await sweep(db, room.roomId);
      return outcome;
    });
  await queueSweeps(room.roomId, options.sweepDelaysMs ?? DEFAULT_SWEEP_DELAYS_MS);
  if (options.waitForLeave) await leaving;
  return { ...purged, leaving };
}

/** The later sweeps as jobs, so that a restart or a crash does not forget them. */
async function queueSweeps(roomId: string, delaysMs: readonly number[]): Promise<void> {
  if (delaysMs.length === 0) return;
  try {
    const queue = await getJobQueue();
    for (const delay of delaysMs) await queue.enqueue("purge-sweep", { roomId, at: delay }, { startAfterSeconds: Math.ceil(delay / 1000) });
  } catch (err) {
    logger.warn({ roomId, err: (err as Error).message }, "could not queue the sweeps of a purged room");
  }
}

/** A sweep of a purged room (the purge-sweep job): never throws. */
export async function sweep(db: Db, roomId: string): Promise<void> {
  try {
    const swept = await sweepPurgedRoom(db, roomId);
    if (swept && swept.events + swept.items > 0)
      logger.warn({ roomId, events: swept.events, items: swept.items }, "deleted history stored after the room was purged");
    if (swept) await deleteCachedMedia(swept.media);
  } catch (err) {
    logger.warn({ roomId, err: (err as Error).message }, "sweep of a purged room failed");
  }
}
