import { z } from "zod";
import { roomHeader } from "@/lib/archive/get-day-page";
import { getRoomAccess, isServable, roomSelect, type ArchiveRoom } from "@/lib/archive/room-access";
import { eventPermalinkPath, type RoomRef } from "@/lib/archive/room-paths";
import type { SearchHitView, SearchPageView, SnippetPart } from "@/lib/archive/view-types";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import { displayNamesAt } from "@/lib/ingest/display-names";
import { countGaps, historyVisibilityAt, searchMessageRows, SNIPPET_MARK_END, SNIPPET_MARK_START, type SearchHitRow } from "@/lib/timeline";

// Search over the archive (docs/search.md): one room, or every room the archive may serve.
// Only what a day page would show is ever returned: servable rooms, placed messages that are
// not redacted or withheld (lib/timeline keeps no search row for them), and world-readable at
// their place in the timeline (checked here, per page, like the day pages do).

/** Longest query accepted; longer ones get a "query too long" answer, never a scan. */
export const MAX_QUERY_CHARS = 200;
export const SEARCH_PAGE_SIZE = 20;
/** Deepest result page: an offset scan is bounded, and nobody reads 50 pages of hits. */
const MAX_SEARCH_PAGE = 50;

const searchParamsSchema = z.object({
  q: z.string().default(""),
  page: z.coerce.number().int().min(1).max(MAX_SEARCH_PAGE).catch(1),
});

export type SearchParams = Record<string, string | string[] | undefined>;

export type SearchPageResult = { status: "ok"; view: SearchPageView } | { status: "not_found" } | { status: "forbidden" };

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Splits a ts_headline snippet at its marks into plain and highlighted parts (never HTML). */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let rest = snippet;
  while (rest.length > 0) {
    const start = rest.indexOf(SNIPPET_MARK_START);
    if (start === -1) {
      parts.push({ text: rest, mark: false });
      break;
    }
    if (start > 0) parts.push({ text: rest.slice(0, start), mark: false });
    const end = rest.indexOf(SNIPPET_MARK_END, start + 1);
    const stop = end === -1 ? rest.length : end;
    parts.push({ text: rest.slice(start + 1, stop), mark: true });
    rest = rest.slice(stop + 1);
  }
  return parts.filter((p) => p.text !== "");
}

/** Rooms a cross-room search looks in: those whose pages may be served right now. */
async function servableRooms(db: Db): Promise<ArchiveRoom[]> {
  const rooms = await db.room.findMany({ where: { status: { notIn: ["denied", "purged"] }, historyVisibility: "world_readable" }, select: roomSelect });
  return rooms.filter(isServable);
}

/** Drops the hits a day page would not show (not world-readable at their place), with display names. */
async function viewHits(db: Db, rows: readonly SearchHitRow[], rooms: ReadonlyMap<string, ArchiveRoom>): Promise<SearchHitView[]> {
  const byRoom = new Map<string, SearchHitRow[]>();
  for (const r of rows) byRoom.set(r.roomId, [...(byRoom.get(r.roomId) ?? []), r]);
  const visible = new Set<string>();
  const names = new Map<string, Map<string, string>>();
  await Promise.all(
    [...byRoom].map(async ([roomId, hits]) => {
      const room = rooms.get(roomId)!;
      const messages = hits.map((h) => ({ eventId: h.messageId, ts: h.ts }));
      const hidden = hiddenEvents(
        messages,
        await historyVisibilityAt(
          db,
          roomId,
          messages.map((m) => m.eventId),
        ),
        room.worldReadableSince?.getTime() ?? null,
      );
      for (const h of hits) if (!hidden.has(h.messageId)) visible.add(h.eventId);
      names.set(
        roomId,
        await displayNamesAt(
          db,
          roomId,
          hits.map((h) => ({ eventId: h.messageId, sender: h.sender })),
        ),
      );
    }),
  );
  const seen = new Set<string>();
  return rows.flatMap((r) => {
    // An edit and the message it edits may both match: the message is listed once.
    if (!visible.has(r.eventId) || seen.has(r.messageId)) return [];
    seen.add(r.messageId);
    const room = roomHeader(rooms.get(r.roomId)!);
    return [
      {
        eventId: r.messageId,
        room: { name: room.name, basePath: room.basePath },
        sender: { userId: r.sender, displayName: names.get(r.roomId)?.get(r.sender) ?? null },
        ts: r.ts,
        snippet: snippetParts(r.snippet),
        href: eventPermalinkPath(room.basePath, r.messageId),
      },
    ];
  });
}

function pageHref(path: string, q: string, page: number): string {
  return `${path}?q=${encodeURIComponent(q)}${page > 1 ? `&page=${page}` : ""}`;
}

/**
 * A search result page: a room's (`ref`) or the whole archive's (`ref` null). Bad input never
 * throws: an empty query shows the form, a long one says so, a query without searchable words
 * says so, a page number out of range reads as the first.
 */
export async function searchArchive(db: Db, ref: RoomRef | null, params: SearchParams): Promise<SearchPageResult> {
  const parsed = searchParamsSchema.parse({ q: first(params.q), page: first(params.page) });
  // Postgres text holds no NUL character (the query failed with a 500; e2e/hostile-requests.spec.ts):
  // a control character is no part of a word anyway.
  const query = parsed.q.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  let scope: SearchPageView["scope"];
  let rooms: ArchiveRoom[];
  if (ref) {
    const access = await getRoomAccess(db, ref);
    if (access.status === "not_found") return access;
    if (access.status === "forbidden") return { status: "forbidden" };
    scope = { kind: "room", room: roomHeader(access.room) };
    rooms = [access.room];
  } else {
    scope = { kind: "all" };
    rooms = await servableRooms(db);
  }
  const path = scope.kind === "room" ? `${scope.room.basePath}/search` : "/search";
  const base: SearchPageView = {
    scope,
    path,
    query: query.slice(0, MAX_QUERY_CHARS),
    problem: null,
    hits: [],
    page: parsed.page,
    previousPageHref: null,
    nextPageHref: null,
    gapCount: 0,
  };
  if (query === "") return { status: "ok", view: base };
  if (query.length > MAX_QUERY_CHARS) return { status: "ok", view: { ...base, problem: "too_long" } };
  const roomIds = rooms.map((r) => r.roomId);
  const [result, gapCount] = await Promise.all([
    searchMessageRows(db, { roomIds, query, limit: SEARCH_PAGE_SIZE, offset: (parsed.page - 1) * SEARCH_PAGE_SIZE }),
    countGaps(db, roomIds),
  ]);
  if (result.status !== "ok") return { status: "ok", view: { ...base, gapCount, problem: result.status } };
  const hits = await viewHits(db, result.hits, new Map(rooms.map((r) => [r.roomId, r])));
  return {
    status: "ok",
    view: {
      ...base,
      hits,
      gapCount,
      previousPageHref: parsed.page > 1 ? pageHref(path, query, parsed.page - 1) : null,
      nextPageHref: result.more && parsed.page < MAX_SEARCH_PAGE ? pageHref(path, query, parsed.page + 1) : null,
    },
  };
}
