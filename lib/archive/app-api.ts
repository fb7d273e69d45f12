import { exportDay } from "@/lib/archive/export-day";
import { exportRoom } from "@/lib/archive/export-room";
import { fillGapForReader } from "@/lib/archive/fill-gap";
import { listDirectory } from "@/lib/archive/list-directory";
import { getMedia } from "@/lib/archive/media/media-store";
import { getRoomFeed } from "@/lib/archive/room-feed";
import { getRoomFirstDay, getRoomLanding } from "@/lib/archive/room-landing";
import type { RoomRef } from "@/lib/archive/room-paths";
import { getThreadPage } from "@/lib/archive/thread-page";
import { searchArchive, type SearchParams } from "@/lib/archive/search";
import { roomSitemapEntries, sitemapIndexEntries } from "@/lib/archive/sitemaps";
import { getDb } from "@/lib/db";

// What app/ calls: the archive's getters bound to the server's database, so pages, route
// handlers and components never hold a database handle (the layer rule in eslint.config.mjs
// forbids @/lib/db there). The getters themselves take the database as an argument, which is
// how their tests hand them a fresh one.

export const directoryFor = (query: string) => listDirectory(getDb(), query);
export const roomLandingFor = (ref: RoomRef) => getRoomLanding(getDb(), ref);
export const roomFirstDayFor = (ref: RoomRef) => getRoomFirstDay(getDb(), ref);
export const roomFeedFor = (ref: RoomRef) => getRoomFeed(getDb(), ref);
export const sitemapIndex = () => sitemapIndexEntries(getDb());
export const roomSitemap = (roomId: string) => roomSitemapEntries(getDb(), roomId);
export const mediaFor = (key: Parameters<typeof getMedia>[1], admit?: Parameters<typeof getMedia>[2]) => getMedia(getDb(), key, admit);
/** A search result page of one room (`ref`) or of the whole archive (null). */
export const searchFor = (ref: RoomRef | null, params: SearchParams) => searchArchive(getDb(), ref, params);
export const dayExportFor = (ref: RoomRef, date: string) => exportDay(getDb(), ref, date);
export const roomExportFor = (ref: RoomRef) => exportRoom(getDb(), ref);
export const threadPageFor = (ref: RoomRef, rootId: string) => getThreadPage(getDb(), ref, rootId);
export const fillGapFor = (roomId: string, gapId: bigint) => fillGapForReader(getDb(), roomId, gapId);

/** One database round trip, for /healthz. */
export async function pingDatabase(): Promise<void> {
  await getDb().$queryRaw`SELECT 1`;
}
