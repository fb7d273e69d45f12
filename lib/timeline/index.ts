/**
 * The linearized timeline (docs/timeline.md, docs/day-pages.md): the ONE write
 * path for events. Every function takes the database client; there is no singleton here.
 *
 * Writing
 * - `insertEvents(db, { roomId, arrival, events, source?, redact })` stores already-verified
 *   events (`TimelineEventInput`: IDs, type, state key, sender, origin_server_ts, depth,
 *   prev/auth events, canonical PDU text, `redacted`, `redacts`) into `events` and the room's
 *   timeline, in one transaction under a per-room advisory lock. `arrival` says where they go:
 *   `{ kind: "live" }` (appended; a gap before any event whose prev_events are missing),
 *   `{ kind: "backfill", before }` (late end of the gap before that event),
 *   `{ kind: "forwards", after }` (early end of the gap after that event),
 *   `{ kind: "jump", gapId? }` (an island, gaps on both sides). Topology always wins over the
 *   hint. The batch is sorted topologically with the tie-break (depth, origin_server_ts, ID).
 *   Already-stored events are skipped (`duplicates`). `redact(pduJson, roomVersion)` returns the
 *   redacted copy: used for targets of redactions in or before the batch; the redaction event
 *   itself gets its own position. `source` defaults per arrival kind (send, backfill,
 *   forwards_fill, jump). Throws TimelineError (`room_not_found`, `anchor_not_found`, …).
 * - `denyEvent(db, { roomId, eventId, reason, deniedAt? })` marks a stored event denied in
 *   place and records the denial as an item at the end of the timeline (idempotent).
 * - `purgeRoomTimeline(db, roomId)` deletes a room's events and timeline items;
 *   `deleteRoomHistory(tx, roomId)` does it inside the caller's room-locked transaction. Both
 *   say which media only the deleted events named (`media_refs`), for the caller to delete from
 *   disk once committed.
 * - `insertEventsInTx`, `denyEventInTx`: the same inside the caller's transaction, taken with
 *   `withRoomLock(db, roomId, fn)` (lib/ingest authorizes and stores under one lock).
 *   Events whose input carries `rejectedReason` or `softFailedReason` are stored but never
 *   placed; `stateGroup`/`replacesState` record the state after each event when known, and
 *   `setEventStates` fills them in later (`eventsAwaitingState`, `awaitsStateOf` find them).
 *
 * Reading (plain serializable results; IDs of gaps as strings)
 * - `listGaps(db, roomId)`: every gap of a room in order: `gapId`, `missingPrevEvents` (prev
 *   events of the event after it that are not stored: backfill from `eventAfter`),
 *   `unknownSuccessorsOf` (edges whose successors are unknown: forwards-fill from them),
 *   `eventBefore`, `eventAfter`.
 * - `getDayWindow(db, { roomId, day: "YYYY-MM-DD", limit?, after?, before?, at?: "T14:30", denials? })`:
 *   one page of a UTC day (events with origin_server_ts in the day and denials recorded that
 *   day, in timeline order, gaps between them, a leading/trailing gap when the neighbour item
 *   is one; for a day with nothing stored, the gap it lies in), `late` flags, gaps with the
 *   times of the events around them (`sinceTs`/`untilTs`), `prevCursor`/`nextCursor` naming
 *   events (`e:$id`, `d:$id`). `denials: false` leaves denial records out entirely.
 * - `listDayGaps(db, roomId, day)`: the gaps the pages of that day show; `getGap(db, roomId,
 *   gapId)`: one gap with its neighbours; `firstEventAfterGap(db, roomId, eventId)`: where a
 *   forwards fill from `eventId` must stop; `backfillFrontier(db, roomId, skip)`: the latest
 *   cluster of gaps with known missing prev_events and the event a batch goes before.
 * - `findDayWithEvents(db, roomId, day, "at-or-before" | "at-or-after", types?)`: navigation;
 *   `roomHistoryStart(db, roomId)`: when the room's known history begins (no day before it is served);
 *   `latestEventTs(db, roomId)`: when its newest placed event was sent.
 * - `historyVisibilityAt(db, roomId, eventIds)`: the history visibility in effect at each
 *   event's place in the timeline (null before the first change the archive holds).
 * - `searchMessageRows(db, { roomIds, query, limit, offset })`: full-text search of message
 *   bodies (websearch syntax), newest first, with ts_headline snippets; `countGaps(db, roomIds)`.
 *   The search rows are written with the events and deleted when one is redacted or withheld
 *   (lib/timeline/search-index.ts, docs/search.md).
 * - `roomsUsingMedia(db, mxc)`: the servable rooms whose shown events name an mxc URI (the
 *   media proxy's check; `media_refs`, kept by the write path: lib/timeline/media-refs.ts).
 * - `getThreadWindow(db, roomId, rootId)`: a thread's root and replies in timeline order across
 *   days, with the gaps between them; `threadSummaries(db, roomId, rootIds)`: reply counts.
 * - `streamRoomTimeline(db, roomId, { chunkSize?, maxItems? })`: the whole timeline in order,
 *   chunk by chunk (an async generator), for the room export; positions stay inside.
 *
 * Page changes: every write above logs the page-cache tags it changed as the last step of its
 *   transaction (lib/timeline/page-changes.ts, docs/page-cache.md); `noteRoomChanged(tx, roomId)`
 *   lets the writers of the room row (its name, topic, consent) say the room's pages changed.
 *
 * Positions are BIGINTs renumbered locally when a spot runs out of room (lib/timeline/positions);
 * nothing outside this module should read or keep them.
 */
export { insertEvents, insertEventsInTx } from "@/lib/timeline/insert-events";
export { withRoomLock } from "@/lib/timeline/room-lock";
export type { Tx } from "@/lib/timeline/db-types";
export { setEventStates, eventsAwaitingState, awaitsStateOf, type EventStateUpdate } from "@/lib/timeline/event-states";
export { TimelineError, type Arrival, type EventSource, type TimelineEventInput } from "@/lib/timeline/types";
export { denyEvent, denyEventInTx } from "@/lib/timeline/deny";
export { purgeRoomTimeline, deleteRoomHistory, type DeletedHistory } from "@/lib/timeline/purge";
export { roomsUsingMedia, type MediaRoom } from "@/lib/timeline/media-refs";
export { noteRoomChanged } from "@/lib/timeline/page-changes";
export { listGaps, listDayGaps, getGap, firstEventAfterGap, backfillFrontier } from "@/lib/timeline/gap-queries";
export { getDayWindow, type DayItem, type DayWindow } from "@/lib/timeline/day-window";
export { findDayWithEvents, latestEventTs, roomHistoryStart } from "@/lib/timeline/day-navigation";
export { historyVisibilityAt } from "@/lib/timeline/visibility";
export { streamRoomTimeline } from "@/lib/timeline/room-stream";
export { getThreadWindow, threadSummaries } from "@/lib/timeline/threads";
export { searchMessageRows, countGaps, SNIPPET_MARK_START, SNIPPET_MARK_END, type SearchHitRow } from "@/lib/timeline/search";
