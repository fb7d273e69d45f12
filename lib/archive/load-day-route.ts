import { cache } from "react";
import { z } from "zod";
import { parseDayParams } from "@/lib/archive/day-range";
import { getDayPage, type DayPageResult } from "@/lib/archive/get-day-page";
import { aliasRefFromParam, roomIdRefFromParam } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";

// The day routes under /r/{alias} and /roomid/{id} share this: zod on the URL, then one
// getDayPage call memoized per request so generateMetadata and the page share the queries.

const cursorSchema = z.object({
  after: z.string().startsWith("$").max(255).optional().catch(undefined),
  before: z.string().startsWith("$").max(255).optional().catch(undefined),
});

export type RoomParamKind = "alias" | "id";

const loadCached = cache(
  async (kind: RoomParamKind, room: string, yyyy: string, mm: string, dd: string, after: string | null, before: string | null): Promise<DayPageResult> => {
    const ref = kind === "alias" ? aliasRefFromParam(room) : roomIdRefFromParam(room);
    const day = parseDayParams({ yyyy, mm, dd });
    if (!ref || !day) return { status: "not_found" };
    return getDayPage(getDb(), ref, day, { after, before }, { fill: getEnv().DAY_FILL_ON_VIEW });
  },
);

export function loadDayRoute(
  kind: RoomParamKind,
  params: { room: string; yyyy: string; mm: string; dd: string },
  searchParams: Record<string, string | string[] | undefined>,
): Promise<DayPageResult> {
  const cursor = cursorSchema.parse({
    after: typeof searchParams.after === "string" ? searchParams.after : undefined,
    before: typeof searchParams.before === "string" ? searchParams.before : undefined,
  });
  return loadCached(kind, params.room, params.yyyy, params.mm, params.dd, cursor.after ?? null, cursor.before ?? null);
}
