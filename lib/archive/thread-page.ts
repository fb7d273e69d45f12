import { buildDayItems, type WindowItem } from "@/lib/archive/build-day-items";
import { relationTargets, roomHeader } from "@/lib/archive/get-day-page";
import { loadEvents, loadRelations } from "@/lib/archive/reader-queries";
import { getRoomAccess } from "@/lib/archive/room-access";
import { roomBasePath, threadPagePath, type RoomRef } from "@/lib/archive/room-paths";
import { storedEventFromItem } from "@/lib/archive/stored-event";
import type { DayItemView, RoomHeaderView } from "@/lib/archive/view-types";
import { hiddenEvents } from "@/lib/archive/visibility";
import { dayAnchorsFor } from "@/lib/archive/day-anchor";
import type { Db } from "@/lib/db";
import { displayNamesAt } from "@/lib/ingest/display-names";
import { getThreadWindow, historyVisibilityAt } from "@/lib/timeline";

// A thread page (docs/threads.md): the root and every reply the archive holds, in timeline order
// across days, gaps where the thread's history may be missing, rendered like a day's messages.

export interface ThreadPageView {
  room: RoomHeaderView;
  rootId: string;
  canonicalPath: string;
  items: DayItemView[];
  replyCount: number;
  hasRoot: boolean;
  gapAfter: boolean;
  truncated: boolean;
}

export type ThreadPageResult = { status: "ok"; view: ThreadPageView } | { status: "not_found" } | { status: "forbidden" };

export async function getThreadPage(db: Db, ref: RoomRef, rootId: string): Promise<ThreadPageResult> {
  if (!rootId.startsWith("$") || rootId.length > 255) return { status: "not_found" };
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return { status: access.status };
  const room = access.room;
  const window = await getThreadWindow(db, room.roomId, rootId);
  if (!window) return { status: "not_found" };
  const basePath = roomBasePath(room);
  const eventItems = window.items.flatMap((i) => (i.kind === "event" ? [i] : []));
  const events = new Map(eventItems.map((i) => [i.eventId, storedEventFromItem(i)]));
  const relations = await loadRelations(db, room.roomId, [...events.keys()]);
  const { edits, reactions, quotedIds } = relationTargets(events.values(), relations);
  const quoted = await loadEvents(db, room.roomId, [...quotedIds]);
  const shown = [...events.values(), ...quoted.values()];
  const visibility = await historyVisibilityAt(
    db,
    room.roomId,
    shown.map((e) => e.eventId),
  );
  const hidden = hiddenEvents(shown, visibility, room.worldReadableSince?.getTime() ?? null);
  const names = await displayNamesAt(
    db,
    room.roomId,
    shown.map((e) => ({ eventId: e.eventId, sender: e.sender })),
  );
  const anchorOf = await dayAnchorsFor(db, room.roomId, basePath, shown);
  const items = window.items.map((i): WindowItem =>
    i.kind === "event" ? { kind: "event", eventId: i.eventId } : { kind: "gap", gapId: i.gapId, edge: "inner", sinceTs: i.sinceTs, untilTs: i.untilTs },
  );
  const views = buildDayItems({
    items,
    events,
    withheld: new Map([...events.values()].flatMap((e) => (e.deniedReason !== null ? [[e.eventId, e.deniedReason] as const] : []))),
    edits,
    reactions,
    quoted,
    names,
    hidden,
    late: new Set(),
    permalink: anchorOf,
  }).map((v) =>
    // Inside its thread, "in the thread of …" says nothing: only real replies keep their quote.
    v.kind === "message" && v.replyTo?.kind === "thread" && v.replyTo.eventId === rootId ? { ...v, replyTo: null } : v,
  );
  return {
    status: "ok",
    view: {
      room: roomHeader(room),
      rootId,
      canonicalPath: threadPagePath(basePath, rootId),
      items: views,
      replyCount: eventItems.filter((e) => e.eventId !== rootId && !hidden.has(e.eventId)).length,
      hasRoot: window.hasRoot && !hidden.has(rootId),
      gapAfter: window.gapAfter,
      truncated: window.truncated,
    },
  };
}
