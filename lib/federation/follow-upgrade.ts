import type { Db } from "@/lib/db";
import { roomPolicy } from "@/lib/federation/policy";
import { serverOfId } from "@/lib/federation/server-name";
import { getJobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";

// When a room the archive holds is upgraded, its history continues in the successor the
// tombstone names: the archive queues a join of it (the join job refuses a successor whose
// history is not world-readable, as every join does). Never for a successor the operator's lists
// refuse or that is kept out (opted out, purged or denied: stay_out_reason), and not again for
// one already joined.

const ROOM_ID = /^![^\s]{1,254}$/;
const MAX_VIA = 20;

/** The successor's room ID and the servers to join it through, or null when there is nothing to follow. */
export async function upgradeToFollow(db: Db, roomId: string, insertedIds: readonly string[]): Promise<{ room: string; via: string[] } | null> {
  if (insertedIds.length === 0) return null;
  const tombstone = await db.event.findFirst({
    where: {
      roomId,
      eventId: { in: [...insertedIds] },
      type: "m.room.tombstone",
      stateKey: "",
      rejectedReason: null,
      softFailedReason: null,
      deniedReason: null,
      redacted: false,
    },
    orderBy: { depth: "desc" },
    select: { sender: true, pdu: true },
  });
  if (!tombstone) return null;
  let successor: unknown;
  try {
    successor = (JSON.parse(tombstone.pdu) as { content?: { replacement_room?: unknown } }).content?.replacement_room;
  } catch {
    return null;
  }
  if (typeof successor !== "string" || !ROOM_ID.test(successor) || successor === roomId) return null;
  if (!roomPolicy(successor, []).allowed) return null;
  const [row, old] = await Promise.all([
    db.room.findUnique({ where: { roomId: successor }, select: { status: true, stayOutReason: true } }),
    db.room.findUnique({ where: { roomId }, select: { servers: true } }),
  ]);
  if (row?.status === "joined" || row?.stayOutReason) return null;
  // The upgrading user's server created the successor and is in it; the old room's servers likely follow.
  const via = [...new Set([serverOfId(tombstone.sender), serverOfId(successor), ...(old?.servers ?? [])].filter((s): s is string => !!s))].slice(0, MAX_VIA);
  return { room: successor, via };
}

/** Queues the join of an upgraded room's successor when a batch stored its tombstone; never throws. */
export async function followUpgrade(db: Db, roomId: string, insertedIds: readonly string[]): Promise<void> {
  try {
    const target = await upgradeToFollow(db, roomId, insertedIds);
    if (!target) return;
    await (await getJobQueue()).enqueue("join", target);
    logger.info({ roomId, successor: target.room }, "room upgraded: queued the join of its successor");
  } catch (err) {
    logger.warn({ roomId, err: (err as Error).message }, "could not queue the join of an upgraded room's successor");
  }
}
