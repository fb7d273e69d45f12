import { getRoomFeed } from "@/lib/archive/room-feed";
import { roomIdRefFromParam } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";

export async function GET(_request: Request, { params }: { params: Promise<{ roomId: string }> }) {
  const ref = roomIdRefFromParam((await params).roomId);
  const feed = ref ? await getRoomFeed(getDb(), ref) : undefined;
  if (!feed) return new Response("not found", { status: 404 });
  return new Response(feed, { headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" } });
}
