import { roomFeedFor } from "@/lib/archive/app-api";
import { aliasRefFromParam } from "@/lib/archive/room-paths";

export async function GET(_request: Request, { params }: { params: Promise<{ alias: string }> }) {
  const ref = aliasRefFromParam((await params).alias);
  const feed = ref ? await roomFeedFor(ref) : undefined;
  if (!feed) return new Response("not found", { status: 404 });
  return new Response(feed, { headers: { "content-type": "application/atom+xml; charset=utf-8", "cache-control": "public, max-age=300" } });
}
