import { getRoomFeed } from "@/lib/archive/room-feed";
import { aliasRefFromParam } from "@/lib/archive/room-paths";
import { getDb } from "@/lib/db";

export async function GET(_request: Request, { params }: { params: Promise<{ alias: string }> }) {
  const ref = aliasRefFromParam((await params).alias);
  const feed = ref ? await getRoomFeed(getDb(), ref) : undefined;
  if (!feed) return new Response("not found", { status: 404 });
  return new Response(feed, { headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" } });
}
