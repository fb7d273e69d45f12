import { z } from "zod";

/**
 * An already-verified event as the timeline stores it. `pdu` is the canonical JSON text (the
 * redacted copy when `redacted` is set, e.g. after a content-hash mismatch).
 */
export const timelineEventInputSchema = z.object({
  eventId: z.string().min(1),
  roomId: z.string().min(1),
  type: z.string(),
  stateKey: z.string().nullable(),
  sender: z.string(),
  originServerTs: z.bigint(),
  depth: z.bigint(),
  prevEvents: z.array(z.string()),
  authEvents: z.array(z.string()),
  pdu: z.string(),
  redacted: z.boolean(),
  /** The target of an m.room.redaction event, wherever the room version keeps it. */
  redacts: z.string().nullable(),
  /**
   * The redaction's sender could redact anyone's events; false: it applies only to events of the
   * sender's own server (the room version's redaction rules). Defaults to true.
   */
  redactsAny: z.boolean().optional(),
  /**
   * Authorization verdicts (lib/ingest). A rejected or soft-failed event is stored but never
   * placed: readers never see it, and a gap that lists it as missing closes.
   */
  rejectedReason: z.string().nullable().optional(),
  softFailedReason: z.string().nullable().optional(),
  /** The state group after the event, when known. */
  stateGroup: z.bigint().nullable().optional(),
  /** For state events: the event this one replaced in the state before it. */
  replacesState: z.string().nullable().optional(),
});
export type TimelineEventInput = z.infer<typeof timelineEventInputSchema>;

/**
 * How a batch arrived, which decides where it goes (docs/timeline.md, "Where new events go"):
 * - `live`: appended at the end (PDUs from /send, /get_missing_events, the join);
 * - `backfill`: into the gap before event `before`, at its late end;
 * - `forwards`: into the gap after event `after`, at its early end;
 * - `jump`: an island found by /timestamp_to_event, into gap `gapId` when given (else the gap
 *   that brackets it by timestamp), with gaps on both sides.
 * Topology always wins over the hint: an event is never placed before a stored prev_event or
 * after a stored successor.
 */
export const arrivalSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("live") }),
  z.object({ kind: z.literal("backfill"), before: z.string().min(1) }),
  z.object({ kind: z.literal("forwards"), after: z.string().min(1) }),
  z.object({ kind: z.literal("jump"), gapId: z.bigint().optional() }),
]);
export type Arrival = z.infer<typeof arrivalSchema>;

/** The events.source column: how the archive learned of the event. */
export const eventSourceSchema = z.enum(["send", "backfill", "forwards_fill", "join", "missing", "event", "jump"]);
export type EventSource = z.infer<typeof eventSourceSchema>;

/** Returns the redacted copy of a PDU per the room version's rules (lib/matrix/redaction). */
export type RedactFn = (pduJson: string, roomVersion: string) => string;

export interface InsertEventsInput {
  roomId: string;
  arrival: Arrival;
  events: TimelineEventInput[];
  /** Defaults from the arrival kind: live → send, backfill, forwards → forwards_fill, jump. */
  source?: EventSource;
  redact: RedactFn;
}

export interface InsertEventsResult {
  /** Newly stored event IDs in the order they were placed (batch topological order). */
  inserted: string[];
  /** Event IDs already stored (idempotence: receiving an event again changes nothing). */
  duplicates: string[];
}

/**
 * The one error type of the timeline (lib/timeline). Codes are stable: callers switch on them
 * (lib/archive's day page treats `event_not_found` from a cursor as a bad request, shown as
 * "not found"), so a code is never renamed or reused. No code leaves the server (they are
 * internal to the archive, which is why they are not Matrix `errcode`s).
 *
 * | code             | thrown by                       | meaning                                                |
 * |------------------|---------------------------------|--------------------------------------------------------|
 * | room_not_found   | insertEvents                    | the room has no row in `rooms` (store the room first)   |
 * | wrong_room       | insertEvents                    | an event of the batch belongs to another room           |
 * | anchor_not_found | insertEvents                    | the arrival's anchor (the event a backfill precedes or  |
 * |                  |                                 | a forwards fill follows) is not in the timeline         |
 * | event_not_found  | getDayWindow, denyEvent         | a cursor or a denied event names nothing in the room    |
 * | inconsistent     | renumbering, slots, denials     | the timeline broke an invariant it relies on (a bug or  |
 * |                  |                                 | a concurrent writer outside the room lock); the         |
 * |                  |                                 | transaction is rolled back                              |
 */
type TimelineErrorCode = "room_not_found" | "anchor_not_found" | "wrong_room" | "event_not_found" | "inconsistent";

export class TimelineError extends Error {
  constructor(
    readonly code: TimelineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TimelineError";
  }
}
