import { z } from "zod";
import type { Db } from "@/lib/db";
import { placeInSlot } from "@/lib/timeline/positions";
import { renumberAround } from "@/lib/timeline/renumber";
import { withRoomLock } from "@/lib/timeline/room-lock";
import { TimelineError } from "@/lib/timeline/types";

const denyInputSchema = z.object({
  roomId: z.string().min(1),
  eventId: z.string().min(1),
  reason: z.string().min(1),
  /** When the archive decided (ms); defaults to now. */
  deniedAt: z.bigint().optional(),
});
export type DenyEventInput = z.infer<typeof denyInputSchema>;

/**
 * Marks a stored event denied (failed checks, retroactive rejection) where it sits, and
 * records the denial as an item at the end of the timeline, where the archive learned of it:
 * history shows that something was withdrawn instead of silently losing it (invariant 6).
 * Denying an already denied event changes nothing; the result says whether this call did it.
 */
export async function denyEvent(db: Db, input: DenyEventInput): Promise<{ denied: boolean }> {
  const { roomId, eventId, reason, deniedAt } = denyInputSchema.parse(input);
  return withRoomLock(db, roomId, async (tx) => {
    const rows = await tx.$queryRaw<{ denied_reason: string | null }[]>`
      SELECT denied_reason FROM events WHERE event_id = ${eventId} AND room_id = ${roomId}`;
    const row = rows[0];
    if (!row) throw new TimelineError("event_not_found", `event ${eventId} is not stored in ${roomId}`);
    if (row.denied_reason !== null) return { denied: false };
    await tx.$executeRaw`UPDATE events SET denied_reason = ${reason} WHERE event_id = ${eventId}`;
    const last = async () =>
      (
        await tx.$queryRaw<{ position: bigint | null }[]>`
        SELECT max(position) AS position FROM timeline_items WHERE room_id = ${roomId}`
      )[0]?.position ?? null;
    let position = placeInSlot(await last(), null, 1, "early");
    if (!position) {
      await renumberAround(tx, roomId, await last(), null, 1);
      position = placeInSlot(await last(), null, 1, "early");
    }
    const at = position?.[0];
    if (at === undefined) throw new TimelineError("inconsistent", "no room at the end of the timeline");
    await tx.timelineItem.create({
      data: { roomId, position: at, kind: "denial", deniedEventId: eventId, reason, ts: deniedAt ?? BigInt(Date.now()) },
    });
    return { denied: true };
  });
}
