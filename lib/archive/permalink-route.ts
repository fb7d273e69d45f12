import { NextResponse } from "next/server";
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
    return NextResponse.json({ error: "malformed event ID" }, { status: 400 });
  }
  if (!ref || !eventId.startsWith("$") || eventId.length > 255) return NextResponse.json({ error: "not found" }, { status: 404 });
  const result = await resolvePermalink(getDb(), ref, eventId);
  if (result.status === "forbidden") return NextResponse.json({ error: "this room's history is not world-readable" }, { status: 403 });
  if (result.status === "not_found") return NextResponse.json({ error: "the archive holds no such message" }, { status: 404 });
  return new NextResponse(null, { status: 301, headers: { location: result.location, "cache-control": "public, max-age=3600" } });
}
