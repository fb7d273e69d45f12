import type { Tx } from "@/lib/timeline/db-types";
import { MAX_POS, MIN_POS, renumberLayout, TEMP_BASE, type RenumberWindow } from "@/lib/timeline/positions";
import { TimelineError } from "@/lib/timeline/types";

const FIRST_WINDOW = 16;

/**
 * Makes room for `incoming` items between the adjacent items at `before` and `after` (null:
 * the room's start or end) by renumbering the smallest window around the spot, doubling its
 * size on each side until renumberLayout accepts it. Order is kept; only values change.
 */
export async function renumberAround(tx: Tx, roomId: string, before: bigint | null, after: bigint | null, incoming: number): Promise<void> {
  for (let size = FIRST_WINDOW; ; size *= 2) {
    const left = before === null ? { count: 0, bound: null } : await sideOf(tx, roomId, before, size, "left");
    const right = after === null ? { count: 0, bound: null } : await sideOf(tx, roomId, after, size, "right");
    const window: RenumberWindow = {
      lo: left.bound ?? MIN_POS - 1n,
      hi: right.bound ?? MAX_POS + 1n,
      before: left.count,
      after: right.count,
      incoming,
    };
    const layout = renumberLayout(window);
    if (layout) {
      await apply(tx, roomId, window, layout.step, layout.spotExtra);
      return;
    }
    if (left.bound === null && right.bound === null) {
      throw new TimelineError("inconsistent", `room ${roomId} has no room left for ${incoming} more items`);
    }
  }
}

/** Up to `size` items from the spot outwards, and the first item beyond them (the window's bound). */
async function sideOf(tx: Tx, roomId: string, from: bigint, size: number, side: "left" | "right") {
  const rows =
    side === "left"
      ? await tx.$queryRaw<{ n: number; edge: bigint | null }[]>`
          SELECT count(*)::int AS n, min(position) AS edge FROM (
            SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position <= ${from}::bigint
            ORDER BY position DESC LIMIT ${size + 1}::int) s`
      : await tx.$queryRaw<{ n: number; edge: bigint | null }[]>`
          SELECT count(*)::int AS n, max(position) AS edge FROM (
            SELECT position FROM timeline_items WHERE room_id = ${roomId} AND position >= ${from}::bigint
            ORDER BY position ASC LIMIT ${size + 1}::int) s`;
  const n = rows[0]?.n ?? 0;
  return n > size ? { count: size, bound: rows[0]?.edge ?? null } : { count: n, bound: null };
}

async function apply(tx: Tx, roomId: string, w: RenumberWindow, step: bigint, spotExtra: bigint) {
  // Two passes because the (room_id, position) unique index is checked row by row: park the
  // window below every real key, ranked, then compute each final key from the rank.
  await tx.$executeRaw`
    UPDATE timeline_items t SET position = ${TEMP_BASE}::bigint + s.rank
    FROM (SELECT id, row_number() OVER (ORDER BY position) AS rank FROM timeline_items
          WHERE room_id = ${roomId} AND position > ${w.lo}::bigint AND position < ${w.hi}::bigint) s
    WHERE t.id = s.id`;
  await tx.$executeRaw`
    UPDATE timeline_items SET position = ${w.lo}::bigint + (position - ${TEMP_BASE}::bigint) * ${step}::bigint
      + CASE WHEN position - ${TEMP_BASE}::bigint <= ${w.before}::bigint THEN 0 ELSE ${spotExtra}::bigint END
    WHERE room_id = ${roomId} AND position < ${MIN_POS}::bigint`;
}
