// Which events may be shown (design.md "Visibility and consent"): an event is shown when the
// room's history visibility at its place in the timeline was world_readable. Events before the
// first visibility change the archive holds fall back to the room's recorded consent time.

export interface VisibilityChange {
  position: bigint;
  visibility: string;
}

export interface PlacedEvent {
  eventId: string;
  position: bigint;
  ts: number;
}

/** IDs of events that were not world-readable when they were sent. `changes` in position order. */
export function hiddenEvents(events: readonly PlacedEvent[], changes: readonly VisibilityChange[], worldReadableSinceMs: number | null): Set<string> {
  const hidden = new Set<string>();
  for (const e of events) {
    let current: string | null = null;
    // The change event itself counts: state at an event includes the event.
    for (const c of changes) {
      if (c.position > e.position) break;
      current = c.visibility;
    }
    if (current !== null ? current !== "world_readable" : worldReadableSinceMs !== null && e.ts < worldReadableSinceMs) hidden.add(e.eventId);
  }
  return hidden;
}
