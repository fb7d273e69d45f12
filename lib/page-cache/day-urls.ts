import { isServedRoom } from "@/lib/page-cache/served-rooms";

// Day page URLs: cache headers decided from the URL alone, surrogate keys for a CDN in front, and
// the cursor of a busy day's later pages moved from the query into the path, so that each page
// of a day is a statically cached page of its own (docs/page-cache.md). Used by proxy.ts for
// what Next.js serves and by the front server's fast path (lib/front/day-fast-path.ts), so that
// both answer with the same headers.
//
// A past day's page changes only when a write changes it, and the archive's own page cache
// drops it at once; shared caches may keep it for an hour (or purge it by its surrogate keys)
// and serve it stale while they revalidate; today's page changes with every message. Browsers
// always revalidate (max-age=0), answered 304 from the ETag while the page is unchanged.
export const DAY_PATH = /^\/(r|roomid)\/([^/]+)\/date\/(\d{4})\/(\d{2})\/(\d{2})(?:T\d{2}:\d{2})?$/;
const PAST_DAY = "public, max-age=0, s-maxage=3600, stale-while-revalidate=86400";
const TODAY = "public, max-age=0, s-maxage=30, stale-while-revalidate=60";
// A room not (yet) served here, or a day after today: most likely a 404 or 403, which Next.js
// would otherwise give a year in shared caches (a statically rendered page that declared no
// lifetime). Caches must ask again every time, so the answer changes with a join or an opt-out.
const NOT_SERVED = "public, max-age=0, must-revalidate";
// A cursor as day pages write them (lib/archive/day-cursor.ts); anything else is no cursor.
const CURSOR = /^(d:)?\$/;

// Shared-cache lifetimes only for rooms whose pages this process has served
// (lib/page-cache/served-rooms.ts) and days up to today: anything else is likely a 404 or 403,
// which must not outlive a join (or a room opting out) in a shared cache.
export function cacheControlFor(
  pathname: string,
  now = new Date(),
  served: (kind: "r" | "roomid", segment: string) => boolean = isServedRoom,
): string | undefined {
  const match = DAY_PATH.exec(pathname);
  if (!match) return undefined;
  const day = `${match[3]}-${match[4]}-${match[5]}`;
  const today = now.toISOString().slice(0, 10);
  if (day > today || !served(match[1] as "r" | "roomid", match[2]!)) return NOT_SERVED;
  return day < today ? PAST_DAY : TODAY;
}

/**
 * Surrogate keys of a day page, naming the room as its URL does (`r/{alias}` or `roomid/{id}`,
 * URL-encoded) and the day: a CDN purges one day's pages, or a whole room's, by these.
 */
export function surrogateKeysFor(pathname: string): string[] | undefined {
  const match = DAY_PATH.exec(pathname);
  if (!match) return undefined;
  const room = `${match[1]}/${match[2]}`;
  return [`room/${room}`, `day/${room}/${match[3]}-${match[4]}-${match[5]}`];
}

/** The path segment a day page's `?after=`/`?before=` cursor is served under, or undefined. */
export function cursorSegmentFor(search: URLSearchParams): string | undefined {
  for (const direction of ["after", "before"] as const) {
    const value = search.get(direction);
    if (value !== null && value.length <= 257 && CURSOR.test(value)) return `${direction}-${encodeURIComponent(value)}`;
  }
  return undefined;
}
