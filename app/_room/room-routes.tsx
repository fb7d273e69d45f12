import type { Metadata } from "next";
import { forbidden, notFound, redirect } from "next/navigation";
import { NextResponse, type NextRequest } from "next/server";
import { DayRoute } from "@/components/day/day-route";
import { roomFeedFor, roomLandingFor } from "@/lib/archive/app-api";
import { dayMetadata } from "@/lib/archive/day-metadata";
import { jsonError } from "@/lib/archive/errors";
import { loadDayRoute, type RoomParamKind } from "@/lib/archive/load-day-route";
import { permalinkResponse } from "@/lib/archive/permalink-route";
import { datePickerLocation } from "@/lib/archive/room-landing";
import { aliasRefFromParam, roomIdRefFromParam, roomPathOfRef, type RoomRef } from "@/lib/archive/room-paths";

// The one implementation of a room's routes. A room has two URL forms, /r/{alias}/… and
// /roomid/{id}/…, whose route files (app/r/[room]/… and app/roomid/[room]/…) only bind the
// form: `export default landingPage("alias")` and so on. A change to a room route is made here.
// (A folder whose name starts with `_` is private in the App Router: nothing here is a route.)

type RoomParams = { room: string };
type DayParams = RoomParams & { yyyy: string; mm: string; dd: string };
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

/** `…/date/{yyyy}/{mm}/{dd}[T{hh}:{mm}]`: the day page and its metadata, sharing one load per request. */
export function dayPage(kind: RoomParamKind) {
  interface Props {
    params: Promise<DayParams>;
    searchParams: Promise<SearchParams>;
  }
  async function load(props: Props) {
    const [params, searchParams] = await Promise.all([props.params, props.searchParams]);
    return loadDayRoute(kind, params, searchParams);
  }
  return {
    generateMetadata: async (props: Props): Promise<Metadata> => dayMetadata(await load(props)),
    Page: async function DayPageRoute(props: Props) {
      return <DayRoute result={await load(props)} />;
    },
  };
}

/** `…/date?d=YYYY-MM-DD`: the date picker's form target, so choosing a day works with JavaScript off. */
export function datePickerRoute(kind: RoomParamKind) {
  return async function GET(request: NextRequest, { params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const location = ref ? datePickerLocation(roomPathOfRef(ref), request.nextUrl.searchParams.get("d")) : undefined;
    if (!location) return jsonError("M_INVALID_PARAM", "expected ?d=YYYY-MM-DD");
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

/** `…/feed.xml`: the room's Atom feed. */
export function feedRoute(kind: RoomParamKind) {
  return async function GET(_request: Request, { params }: { params: Promise<RoomParams> }) {
    const ref = refFromParam(kind, (await params).room);
    const feed = ref ? await roomFeedFor(ref) : undefined;
    if (!feed) return jsonError("M_NOT_FOUND", "the archive serves no such room");
    return new Response(feed, { headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" } });
  };
}
