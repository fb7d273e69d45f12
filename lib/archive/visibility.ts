// Which events may be shown (docs/consent.md): an event is shown when the room's history
// visibility at its place in the timeline was world_readable. Events before the first
// visibility change the archive holds fall back to the room's recorded consent time.

/**
 * IDs of events that were not world-readable when they were sent. `visibilityAt` is the history
 * visibility at each event's place (lib/timeline historyVisibilityAt); null, or absent, means no
 * change is known before it, and the room's recorded consent time decides.
 */
export function hiddenEvents(
  events: ReadonlyArray<{ eventId: string; ts: number }>,
  visibilityAt: ReadonlyMap<string, string | null>,
  worldReadableSinceMs: number | null,
): Set<string> {
  const hidden = new Set<string>();
  for (const e of events) {
    const current = visibilityAt.get(e.eventId) ?? null;
    if (current !== null ? current !== "world_readable" : worldReadableSinceMs !== null && e.ts < worldReadableSinceMs) hidden.add(e.eventId);
  }
  return hidden;
}
