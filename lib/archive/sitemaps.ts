import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { getConsent } from "@/lib/archive/consent";
import { isServable, roomSelect } from "@/lib/archive/room-access";
import { dayPagePath, roomBasePath } from "@/lib/archive/room-paths";

// Sitemaps: an index naming one sitemap per indexable room, and per room one URL per UTC day
// that has messages, with lastmod from when the archive last stored an event of that day (a
// late arrival or a gap fill changes the page, so crawlers come back).

const MAX_URLS = 50_000;

export interface SitemapEntry {
  loc: string;
  lastmod: string | null;
}

function roomSitemapPath(roomId: string): string {
  return `/sitemap-room/${encodeURIComponent(roomId.replace(/^!/, ""))}.xml`;
}

async function indexableRooms(db: Db) {
  const rooms = await db.room.findMany({
    where: { historyVisibility: "world_readable", status: { not: "denied" } },
    select: { ...roomSelect, updatedAt: true },
    orderBy: { roomId: "asc" },
    take: MAX_URLS,
  });
  const out = [];
  for (const room of rooms) {
    if (!isServable(room)) continue;
    if (!getConsent(room).indexed) continue;
    out.push(room);
  }
  return out;
}

export async function sitemapIndexEntries(db: Db): Promise<SitemapEntry[]> {
  const base = getEnv().ARCHIVE_BASE_URL;
  const rooms = await indexableRooms(db);
  return rooms.map((r) => ({ loc: new URL(roomSitemapPath(r.roomId), base).toString(), lastmod: r.updatedAt.toISOString() }));
}

/** Day pages of one room, or undefined when the room is not indexable. */
export async function roomSitemapEntries(db: Db, roomId: string): Promise<SitemapEntry[] | undefined> {
  const room = (await indexableRooms(db)).find((r) => r.roomId === roomId);
  if (!room) return undefined;
  const days = await db.$queryRaw<Array<{ day: string; lastmod: Date }>>`
    SELECT to_char(to_timestamp(e.origin_server_ts / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, max(e.received_at) AS lastmod
    FROM events e JOIN timeline_items i ON i.event_id = e.event_id
    WHERE e.room_id = ${roomId} AND e.type IN ('m.room.message', 'm.sticker') AND NOT e.redacted AND e.denied_reason IS NULL
    GROUP BY 1 ORDER BY 1 LIMIT ${MAX_URLS}`;
  const base = getEnv().ARCHIVE_BASE_URL;
  const basePath = roomBasePath(room);
  return days.map((d) => ({ loc: new URL(dayPagePath(basePath, d.day), base).toString(), lastmod: new Date(d.lastmod).toISOString() }));
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);
}

export function sitemapXml(kind: "sitemapindex" | "urlset", entries: readonly SitemapEntry[]): string {
  const tag = kind === "sitemapindex" ? "sitemap" : "url";
  const body = entries.map((e) => `<${tag}><loc>${escapeXml(e.loc)}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ""}</${tag}>`).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${kind} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${body}\n</${kind}>\n`;
}
