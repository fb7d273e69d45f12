import { NextResponse, type NextRequest } from "next/server";

// Cache lifetimes of day pages, decided from the URL alone: a past day's page changes only when
// a gap is filled, so shared caches may keep it for hours and serve it stale while they
// revalidate; today's page changes with every message. Browsers always revalidate (max-age=0):
// a reader who filled a gap and reloads must not get the copy with the gap back. The route
// segment decides the date; pages with a cursor or time are cached like their day.
const DAY_PATH = /^\/(?:r|roomid)\/[^/]+\/date\/(\d{4})\/(\d{2})\/(\d{2})(?:T\d{2}:\d{2})?$/;
const PAST_DAY = "public, max-age=0, s-maxage=3600, stale-while-revalidate=86400";
const TODAY = "public, max-age=0, s-maxage=30, stale-while-revalidate=60";

export function cacheControlFor(pathname: string, now = new Date()): string | undefined {
  const match = DAY_PATH.exec(pathname);
  if (!match) return undefined;
  const day = `${match[1]}-${match[2]}-${match[3]}`;
  return day < now.toISOString().slice(0, 10) ? PAST_DAY : TODAY;
}

export function proxy(request: NextRequest) {
  const response = NextResponse.next();
  const cacheControl = cacheControlFor(request.nextUrl.pathname);
  if (cacheControl) response.headers.set("cache-control", cacheControl);
  return response;
}

export const config = { matcher: ["/r/:path*/date/:path*", "/roomid/:path*/date/:path*"] };
