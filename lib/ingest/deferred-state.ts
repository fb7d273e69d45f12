import type { BatchAuthorizer, Candidate } from "@/lib/ingest/authorize";
import { toAuthEvent } from "@/lib/ingest/known-events";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { awaitsStateOf, denyEventInTx, eventsAwaitingState, setEventStates, type EventStateUpdate, type Tx } from "@/lib/timeline";

// The second check on receipt (the state before an event authorizes it) waits while the
// history before the event is not held: backfill brings history newest first, so an event's
// prev_events often arrive after it. Once older history arrives, the waiting events are
// checked in topological order. One that fails was shown to readers on the strength of its
// auth events: it is denied in place (its content withheld) with a denial item where the
// archive learned it, and it counts as rejected from then on.

/** Events checked in one pass; the rest wait for the next batch that brings history. */
const PASS_LIMIT = 20_000;

export interface DeferredReport {
  checked: number;
  denied: string[];
  /** Events that arrived at the room's edge (pushed, or fetched before pushed ones) whose state is now known: they join the extremities. */
  edge: Array<{ eventId: string; prevEvents: readonly string[] }>;
}

/** How events at the room's edge are recorded (lib/federation/ingest-live.ts). */
const EDGE_SOURCES = new Set(["send", "missing"]);

export async function checkAwaitingEvents(
  tx: Tx,
  authorizer: BatchAuthorizer,
  roomId: string,
  version: RoomVersion,
  /** Events whose state became known in this batch: only their successors can progress. */
  newlyKnown: readonly string[],
): Promise<DeferredReport> {
  const report: DeferredReport = { checked: 0, denied: [], edge: [] };
  if (!(await awaitsStateOf(tx, roomId, newlyKnown))) return report;
  const waiting = await eventsAwaitingState(tx, roomId, PASS_LIMIT);
  const candidates: Candidate[] = waiting.map((w) => ({ eventId: w.eventId, event: toAuthEvent(w.eventId, parseJsonObject(w.pdu), version) }));
  const atEdge = new Set(waiting.filter((w) => EDGE_SOURCES.has(w.source)).map((w) => w.eventId));
  const waitingIds = new Set(candidates.map((c) => c.eventId));
  await authorizer.load(candidates.flatMap((c) => [...c.event.prevEvents, ...c.event.authEvents]).filter((id) => !waitingIds.has(id)));
  for (const c of candidates) authorizer.remember(c, null, false);
  const updates: EventStateUpdate[] = [];
  // Depth order is a topological order for events of valid history (depth exceeds every prev's).
  for (const c of candidates) {
    const verdict = await authorizer.checkStateBefore(c);
    if (verdict.kind === "pending") continue;
    report.checked++;
    if (verdict.kind === "refused") {
      authorizer.remember(c, null, true);
      await denyEventInTx(tx, { roomId, eventId: c.eventId, reason: `Rejected once the history before it was known: ${verdict.reason}` });
      report.denied.push(c.eventId);
      continue;
    }
    authorizer.remember(c, verdict.stateAfter.id, false);
    if (atEdge.has(c.eventId)) report.edge.push({ eventId: c.eventId, prevEvents: c.event.prevEvents });
    updates.push({ eventId: c.eventId, stateGroup: verdict.stateAfter.id, replacesState: verdict.replacesState ?? null });
  }
  await setEventStates(tx, roomId, updates);
  return report;
}
