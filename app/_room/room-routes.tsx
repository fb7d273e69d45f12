import type { Metadata } from "next";
import { cache } from "react";
import { forbidden, notFound, redirect } from "next/navigation";
import { NextResponse, type NextRequest } from "next/server";
import { DayRoute } from "@/components/day/day-route";
import { SearchResults } from "@/components/search/search-results";
import { ThreadView } from "@/components/thread/thread-view";
import { dayExportFor, roomExportFor, roomFeedFor, roomFirstDayFor, roomLandingFor, searchFor, threadPageFor } from "@/lib/archive/app-api";
import { exportFileStem } from "@/lib/archive/export-items";
import { dayExportText } from "@/lib/archive/export-text";
import { dayPageLifetime, dayPageTags } from "@/lib/archive/day-cache";
import { dayMetadata } from "@/lib/archive/day-metadata";
import { searchMetadata } from "@/lib/archive/search-metadata";
import { jsonError } from "@/lib/archive/errors";
import { loadDayRoute, type RoomParamKind } from "@/lib/archive/load-day-route";
import { permalinkResponse } from "@/lib/archive/permalink-route";
import { datePickerLocation } from "@/lib/archive/room-landing";
import { declarePageCache } from "@/lib/page-cache/declare";
import { noteServedRoom } from "@/lib/page-cache/served-rooms";
import { aliasRefFromParam, roomIdRefFromParam, roomPathOfRef, type RoomRef } from "@/lib/archive/room-paths";

// The one implementation of a room's routes. A room has two URL forms, /r/{alias}/… and
// /roomid/{id}/…, whose route files (app/r/[room]/… and app/roomid/[room]/…) only bind the
// form: `export default landingPage("alias")` and so on. A change to a room route is made here.
// (A folder whose name starts with `_` is private in the App Router: nothing here is a route.)

type RoomParams = { room: string };
type DayParams = RoomParams & { yyyy: string; mm: string; dd: string; cursor?: string };
type SearchParams = Record<string, string | string[] | undefined>;

function refFromParam(kind: RoomParamKind, param: string): RoomRef | undefined {
  return kind === "alias" ? aliasRefFromParam(param) : roomIdRefFromParam(param);
}

/** `/r/{alias}` and `/roomid/{id}`: a redirect to the room's latest day, 403 or 404. */
export function landingPage(kind: RoomParamKind) {
  return async function RoomPage({ params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const landing = ref ? await roomLandingFor(ref) : { status: "not_found" as const };
    if (landing.status === "forbidden") forbidden();
    if (landing.status !== "ok") notFound();
    redirect(landing.location);
  };
}

/**
 * `…/date/{yyyy}/{mm}/{dd}[T{hh}:{mm}]` and its cursor pages (`?after=`/`?before=`, which
 * proxy.ts serves as a last path segment): the day page and its metadata, sharing one load per
 * request. Nothing here reads the request, so Next.js renders each URL once and keeps it in
 * the page cache (lib/page-cache) until a write names one of the tags the page declares.
 */
export function dayPage(kind: RoomParamKind) {
  interface Props {
    params: Promise<DayParams>;
  }
  async function load(props: Props) {
    const params = await props.params;
    return loadDayRoute(kind, params, cursorOfSegment(params.cursor));
  }
  return {
    generateMetadata: async (props: Props): Promise<Metadata> => dayMetadata(await load(props)),
    Page: async function DayPageRoute(props: Props) {
      const result = await load(props);
      if (result.status === "ok") await declarePageCache(dayPageTags(result.page), dayPageLifetime(result.page));
      if (result.status === "ok" || result.status === "forbidden" || result.status === "not_found") {
        noteServedRoom(kind === "alias" ? "r" : "roomid", (await props.params).room, result.status === "ok");
      }
      return <DayRoute result={result} />;
    },
    // No URL is rendered at build time; each is rendered on its first request and then cached.
    generateStaticParams: (): DayParams[] => [],
  };
}

/** The `after-{cursor}` / `before-{cursor}` segment proxy.ts writes (Next.js may hand it still encoded). */
function cursorOfSegment(segment: string | undefined): { after?: string; before?: string } {
  const match = segment ? /^(after|before)-(.+)$/.exec(segment) : null;
  if (!match) return {};
  let value = match[2]!;
  try {
    if (value.includes("%")) value = decodeURIComponent(value);
  } catch {
    return {};
  }
  return match[1] === "after" ? { after: value } : { before: value };
}

/** `…/date?d=YYYY-MM-DD`: the date picker's form target, so choosing a day works with JavaScript off. */
export function datePickerRoute(kind: RoomParamKind) {
  return async function GET(request: NextRequest, { params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const query = request.nextUrl.searchParams;
    if (!ref) return jsonError("M_NOT_FOUND", "the archive serves no such room");
    // Neither a date nor the day it came from: the room's latest day rather than an error.
    const location = datePickerLocation(roomPathOfRef(ref), query.get("d"), query.get("from")) ?? roomPathOfRef(ref);
    return new NextResponse(null, { status: 303, headers: { location } });
  };
}

/** `…/event/{eventId}`: a message permalink (301 to its day page). */
export function permalinkRoute(kind: RoomParamKind) {
  return async function GET(_request: Request, { params }: { params: Promise<RoomParams & { eventId: string }> }) {
    const { room, eventId } = await params;
    return permalinkResponse(refFromParam(kind, room), eventId);
  };
}

/** `…/first`: a redirect to the first day of the room's history (what a 404 under the room links). */
export function firstDayRoute(kind: RoomParamKind) {
  return async function GET(_request: Request, { params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const first = ref ? await roomFirstDayFor(ref) : ({ status: "not_found" } as const);
    if (first.status === "forbidden") return jsonError("M_FORBIDDEN", "this room's history is not world-readable");
    if (first.status !== "ok") return jsonError("M_NOT_FOUND", "the archive serves no such room");
    // The first day moves earlier only while history before it is still being fetched.
    return new NextResponse(null, { status: 307, headers: { location: first.location, "cache-control": "public, max-age=0, s-maxage=300" } });
  };
}

/** `…/feed.xml`: the room's Atom feed. */
export function feedRoute(kind: RoomParamKind) {
  return async function GET(_request: Request, { params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const feed = ref ? await roomFeedFor(ref) : undefined;
    if (!feed) return jsonError("M_NOT_FOUND", "the archive serves no such room");
    return new Response(feed, { headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" } });
  };
}

const searchParamText = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

// One search per request, shared by the page and its metadata (React's cache keys on the arguments).
const loadSearch = cache(async (kind: RoomParamKind, room: string, q: string | undefined, page: string | undefined) => {
  const ref = refFromParam(kind, room);
  return ref ? searchFor(ref, { q, page }) : ({ status: "not_found" } as const);
});

/** `…/search?q=…&page=…`: search inside the room (server-rendered, noindex). */
export function searchPage(kind: RoomParamKind) {
  interface Props {
    params: Promise<RoomParams>;
    searchParams: Promise<SearchParams>;
  }
  async function load(props: Props) {
    const [params, searchParams] = await Promise.all([props.params, props.searchParams]);
    return loadSearch(kind, params.room, searchParamText(searchParams.q), searchParamText(searchParams.page));
  }
  return {
    generateMetadata: async (props: Props): Promise<Metadata> => searchMetadata(await load(props)),
    Page: async function RoomSearchPage(props: Props) {
      const result = await load(props);
      if (result.status === "forbidden") forbidden();
      if (result.status !== "ok") notFound();
      return <SearchResults view={result.view} />;
    },
  };
}

const EXPORT_FILE = /^(?:(\d{4}-\d{2}-\d{2})\.(json|txt)|room\.ndjson)$/;

/**
 * `…/export/{yyyy-mm-dd}.json`, `…/export/{yyyy-mm-dd}.txt`: one day as data; `…/export/room.ndjson`:
 * the whole room, streamed. The same consent rules as the pages (docs/exports.md).
 */
export function exportRoute(kind: RoomParamKind) {
  return async function GET(_request: Request, { params }: { params: Promise<RoomParams & { file: string }> }) {
    const { room, file } = await params;
    const ref = refFromParam(kind, room);
    const match = EXPORT_FILE.exec(file);
    if (!ref || !match) return jsonError("M_NOT_FOUND", "no such export");
    const robots = { "x-robots-tag": "noindex" };
    if (!match[1]) {
      const result = await roomExportFor(ref);
      if (result.status === "forbidden") return jsonError("M_FORBIDDEN", "this room's history is not world-readable");
      if (result.status !== "ok") return jsonError("M_NOT_FOUND", "the archive serves no such room");
      return new Response(result.stream, {
        headers: {
          "content-type": "application/x-ndjson; charset=utf-8",
          "content-disposition": `attachment; filename="${result.filename}"`,
          "cache-control": "no-store",
          ...robots,
        },
      });
    }
    const result = await dayExportFor(ref, match[1]);
    if (result.status === "forbidden") return jsonError("M_FORBIDDEN", "this room's history is not world-readable");
    if (result.status !== "ok") return jsonError("M_NOT_FOUND", "no such room or day");
    const slug = exportFileStem({ alias: result.export.room.alias, roomId: result.export.room.room_id });
    const asText = match[2] === "txt";
    return new Response(asText ? dayExportText(result.export) : `${JSON.stringify(result.export, null, 1)}\n`, {
      headers: {
        "content-type": asText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
        "content-disposition": `inline; filename="${slug}-${match[1]}.${match[2]}"`,
        // Like the day page itself: browsers revalidate, shared caches keep it briefly.
        "cache-control": "public, max-age=0, s-maxage=300",
        ...robots,
      },
    });
  };
}

// One thread load per request, shared by the page and its metadata.
const loadThread = cache(async (kind: RoomParamKind, room: string, rawRoot: string) => {
  const ref = refFromParam(kind, room);
  let rootId: string;
  try {
    rootId = decodeURIComponent(rawRoot);
  } catch {
    return { status: "not_found" } as const;
  }
  return ref ? threadPageFor(ref, rootId) : ({ status: "not_found" } as const);
});

/** `…/thread/{rootEventId}`: a thread's root and replies across days. */
export function threadPage(kind: RoomParamKind) {
  type Props = { params: Promise<RoomParams & { rootId: string }> };
  const load = async (props: Props) => {
    const { room, rootId } = await props.params;
    return loadThread(kind, room, rootId);
  };
  return {
    generateMetadata: async (props: Props): Promise<Metadata> => {
      const result = await load(props);
      if (result.status !== "ok") return { title: "Not available", robots: { index: false, follow: false } };
      const { view } = result;
      // The messages are indexed on their day pages; a thread page only gathers them.
      return { title: `Thread · ${view.room.name}`, alternates: { canonical: view.canonicalPath }, robots: { index: false, follow: true } };
    },
    Page: async function ThreadPageRoute(props: Props) {
      const result = await load(props);
      if (result.status === "forbidden") forbidden();
      if (result.status !== "ok") notFound();
      return <ThreadView view={result.view} />;
    },
  };
}
