/**
 * Estimated share of a room's history a backfill holds, 0–1, from the depth of the room's newest
 * event when it started and of the oldest event it has reached (depth 1 is the room's creation);
 * null when either is unknown.
 */
export function progressOf(row: { topDepth: bigint | null; frontierDepth: bigint | null; finished: string | null }): number | null {
  if (row.finished === "complete") return 1;
  if (row.topDepth === null || row.frontierDepth === null || row.topDepth <= 1n) return null;
  const done = Number(row.topDepth - row.frontierDepth) / Number(row.topDepth - 1n);
  return Math.min(1, Math.max(0, done));
}
