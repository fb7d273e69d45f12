import { NextResponse, type NextRequest } from "next/server";
import { clientAddress } from "@/lib/archive/client-address";
import { chargeClient, dayViewedLately, dayViewKey, readerFederationBusy, type Refusal } from "@/lib/archive/reader-limits";
import { tooManyRequestsPage } from "@/lib/archive/too-many-requests";
import { getEnv } from "@/lib/env";
import { cacheControlFor, cursorSegmentFor, DAY_PATH, surrogateKeysFor } from "@/lib/page-cache/day-urls";

/**
 * The day fill on first view (docs/limits.md): a day page this process has not rendered lately
 * may start a fill over federation, so it counts against its reader's DAY_FILLS_PER_CLIENT_PER_MINUTE,
 * and is refused while the process runs as many readers' fills as it may. Pages rendered lately
 * (served from the page cache, their fill just done) count for nothing.
 */
async function dayFillRefusal(request: NextRequest, match: RegExpExecArray, now = new Date()): Promise<Refusal | null> {
  if (!getEnv().DAY_FILL_ON_VIEW) return null;
  const day = `${match[3]}-${match[4]}-${match[5]}`;
  // A future day is refused by the page itself, without any fill.
  if (day > now.toISOString().slice(0, 10)) return null;
  if (dayViewedLately(dayViewKey(match[1] as "r" | "roomid", match[2]!, day))) return null;
  return readerFederationBusy() ?? (await chargeClient("day-fill", clientAddress(request.headers)));
}

export async function proxy(request: NextRequest) {
  const { pathname, searchParams } = request.nextUrl;
  const day = DAY_PATH.exec(pathname);
  if (day && (request.method === "GET" || request.method === "HEAD")) {
    const refusal = await dayFillRefusal(request, day);
    if (refusal) return tooManyRequestsPage(refusal, "days");
  }
  const cursor = DAY_PATH.test(pathname) ? cursorSegmentFor(searchParams) : undefined;
  let response: NextResponse;
  if (cursor) {
    const target = request.nextUrl.clone();
    target.pathname = `${pathname}/${cursor}`;
    target.searchParams.delete("after");
    target.searchParams.delete("before");
    response = NextResponse.rewrite(target);
  } else {
    response = NextResponse.next();
  }
  const cacheControl = cacheControlFor(pathname);
  if (cacheControl) response.headers.set("cache-control", cacheControl);
  const keys = surrogateKeysFor(pathname);
  if (keys) {
    response.headers.set("surrogate-key", keys.join(" "));
    response.headers.set("cache-tag", keys.join(","));
  }
  return response;
}

export const config = { matcher: ["/r/:path*/date/:path*", "/roomid/:path*/date/:path*"] };
