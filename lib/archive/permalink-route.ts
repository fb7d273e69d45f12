import { NextResponse } from "next/server";
import { jsonError } from "@/lib/archive/errors";
import { resolvePermalink } from "@/lib/archive/resolve-permalink";
import type { RoomRef } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";

/**
 * A message permalink answers 301 to its day page with the message as #anchor, so it lands on
 * the message (highlighted by :target) even with JavaScript off, and crawlers index one URL.
 * Shared by the alias and room ID forms of the route.
 */
export async function permalinkResponse(ref: RoomRef | undefined, rawEventId: string): Promise<NextResponse> {
  let eventId: string;
  try {
    eventId = decodeURIComponent(rawEventId);
  } catch {
    return jsonError("M_INVALID_PARAM", "malformed event ID");
  }
  if (!ref || !eventId.startsWith("$") || eventId.length > 255) return jsonError("M_NOT_FOUND", "not found");
  const result = await resolvePermalink(getDb(), ref, eventId);
  if (result.status === "forbidden") return jsonError("M_FORBIDDEN", "this room's history is not world-readable");
  if (result.status === "not_found") return jsonError("M_NOT_FOUND", "the archive holds no such message");
  return new NextResponse(null, { status: 301, headers: { location: result.location, "cache-control": "public, max-age=3600" } });
}
