import { roomSitemap } from "@/lib/archive/app-api";
import { jsonError } from "@/lib/archive/errors";
import { sitemapXml } from "@/lib/archive/sitemaps";

export async function GET(_request: Request, { params }: { params: Promise<{ room: string }> }) {
  const { room } = await params;
  let roomId: string;
  try {
    roomId = `!${decodeURIComponent(room).replace(/\.xml$/, "")}`;
  } catch {
    return jsonError("M_NOT_FOUND", "the archive serves no such room");
  }
  const entries = await roomSitemap(roomId);
  if (!entries) return jsonError("M_NOT_FOUND", "the archive serves no such room");
  return new Response(sitemapXml("urlset", entries), {
    headers: { "content-type": "application/xml; charset=utf-8", "cache-control": "public, max-age=3600" },
  });
}
