import type { Tx } from "@/lib/timeline/db-types";
import { floorOfKey, KEY_END, keyAfter, keyBefore, lowerBoundsThatMatter, type PlacementFacts } from "@/lib/timeline/placement";
import type { TimelineEventInput } from "@/lib/timeline/types";

// prev_event edges only constrain events whose links are stored. Across a missing link, a new
// event may be an ancestor or a descendant of stored events without the archive seeing it,
// and events never move: if it lands on the wrong side, the link can no longer be slotted in
// when it arrives (invariant 2 would have to break). Depth is what the archive can see: along
// every edge it grows by at least one, so
// - a stored event S right after a gap that misses prev_events can descend from a new event
//   E only if depth(S) >= depth(E) + 2: E stays before every such S;
// - a new event E that misses prev_events can descend from a stored event A only if
//   depth(A) <= depth(E) - 2: for fills that land inside history (backfill, forwards, jump), E stays
//   after every such A that sits past the preferred spot.
// Both are soft: they give way to real edges (forged depths can only spoil placement).

export async function depthBounds(
  tx: Tx,
  roomId: string,
  sorted: readonly TimelineEventInput[],
  missingOf: ReadonlyMap<string, readonly string[]>,
  facts: Pick<PlacementFacts, "preferred" | "storedPrevPosition" | "storedSuccessorPositions">,
  lowerToo: boolean,
  /** Stored events right after a gap that misses prev_events, by position. */
  afterGaps: readonly { position: bigint; depth: bigint }[],
): Promise<{ softLower: Map<string, bigint>; softUpper: Map<string, bigint> }> {
  const softUpper = new Map<string, bigint>();
  for (const e of sorted) {
    const first = afterGaps.find((s) => s.depth >= e.depth + 2n);
    if (first) softUpper.set(e.eventId, keyBefore(first.position));
  }

  const softLower = new Map<string, bigint>();
  const { preferred } = facts;
  if (!lowerToo || preferred >= KEY_END) return { softLower, softUpper };
  // The lower bound scans the stored events past the preferred spot, which for a backfill is all
  // the history after it: ask only where the answer can change a key.
  const matters = lowerBoundsThatMatter(sorted, { ...facts, softUpper });
  const asked = sorted.filter((e) => (missingOf.get(e.eventId) ?? []).length > 0 && matters.has(e.eventId));
  if (asked.length === 0) return { softLower, softUpper };
  const rows = await tx.$queryRaw<{ id: string; position: bigint | null }[]>`
    SELECT q.id, (
      SELECT i.position FROM timeline_items i JOIN events e ON e.event_id = i.event_id
      WHERE i.room_id = ${roomId} AND i.kind = 'event' AND i.position > ${floorOfKey(preferred)}::bigint AND e.depth <= q.d
      ORDER BY i.position DESC LIMIT 1) AS position
    FROM unnest(${asked.map((e) => e.eventId)}::text[], ${asked.map((e) => (e.depth - 2n).toString())}::bigint[]) AS q(id, d)`;
  for (const r of rows) if (r.position !== null) softLower.set(r.id, keyAfter(r.position));
  return { softLower, softUpper };
}
