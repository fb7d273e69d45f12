import { z } from "zod";
import type { Db } from "@/lib/db";
import { placeInSlot } from "@/lib/timeline/positions";
import { renumberAround } from "@/lib/timeline/renumber";
import type { Tx } from "@/lib/timeline/db-types";
import { noteRoomChanged } from "@/lib/timeline/page-changes";
import { withRoomLock } from "@/lib/timeline/room-lock";
import { forgetMediaRefs } from "@/lib/timeline/media-refs";
import { unindexForSearch } from "@/lib/timeline/search-index";
import { TimelineError } from "@/lib/timeline/types";

const denyInputSchema = z.object({
  roomId: z.string().min(1),
  eventId: z.string().min(1),
  reason: z.string().min(1),
  /**
   * `withheld` (default): found invalid after readers could see it (rejected once its state was
   * known): its content is withheld in place. `overruled`: a state change that state resolution
   * left out of the resolved state: shown in place, marked.
   */
  kind: z.enum(["withheld", "overruled"]).default("withheld"),
  /** When the archive decided (ms); defaults to now. */
  deniedAt: z.bigint().optional(),
});
type DenyEventInput = z.input<typeof denyInputSchema>;

/**
 * Marks a stored event denied (failed checks, retroactive rejection) where it sits, and
 * records the denial as an item at the end of the timeline, where the archive learned of it:
 * history shows that something was withdrawn instead of silently losing it (invariant 6).
 * Denying an already denied event changes nothing; the result says whether this call did it.
 */
export async function denyEvent(db: Db, input: DenyEventInput): Promise<{ denied: boolean }> {
  return withRoomLock(db, input.roomId, (tx) => denyEventInTx(tx, input));
}

/** denyEvent inside the caller's room-locked transaction (lib/ingest's write path). */
export async function denyEventInTx(tx: Tx, input: DenyEventInput): Promise<{ denied: boolean }> {
  const { roomId, eventId, reason, kind, deniedAt } = denyInputSchema.parse(input);
  const rows = await tx.$queryRaw<{ denied_reason: string | null; overruled_reason: string | null }[]>`
    SELECT denied_reason, overruled_reason FROM events WHERE event_id = ${eventId} AND room_id = ${roomId}`;
  const row = rows[0];
  if (!row) throw new TimelineError("event_not_found", `event ${eventId} is not stored in ${roomId}`);
  if (kind === "withheld") {
    if (row.denied_reason !== null) return { denied: false };
    await tx.$executeRaw`UPDATE events SET denied_reason = ${reason} WHERE event_id = ${eventId}`;
    await unindexForSearch(tx, [eventId]);
    await forgetMediaRefs(tx, [eventId]);
  } else {
    if (row.overruled_reason !== null || row.denied_reason !== null) return { denied: false };
    await tx.$executeRaw`UPDATE events SET overruled_reason = ${reason} WHERE event_id = ${eventId}`;
  }
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
  // The event's own day, the day the denial is recorded on, and pages quoting the event.
  await noteRoomChanged(tx, roomId);
  return { denied: true };
}
