import type { DayPageView } from "@/lib/archive/view-types";
import { dayTag, latestTag, navTag, quoteAnyTag, quoteTag, roomTag } from "@/lib/page-cache/tags";

// Tags Next.js allows on one page (its limit is 128); beyond, one tag stands for every quoted day.
const MAX_QUOTE_TAGS = 100;
const TODAY_SECONDS = 60;
const OPEN_GAP_SECONDS = 300;

/**
 * What a rendered day page depends on (docs/page-cache.md): its room, its day, the room's
 * active days (navigation and calendar), the days of the messages it quotes, and the rooms an
 * upgrade links it to. The timeline's
 * write path names the same tags (lib/timeline/page-changes.ts).
 */
export function dayPageTags(page: DayPageView): string[] {
  const roomId = page.room.roomId;
  const quoted = page.quotedDays.length > MAX_QUOTE_TAGS ? [quoteAnyTag(roomId)] : page.quotedDays.map((d) => quoteTag(roomId, d));
  // An upgrade's links depend on the other room's row: its join, name or consent names its room tag.
  const linked = [page.upgrades.successor?.roomId, page.upgrades.predecessor?.roomId].flatMap((id) => (id ? [roomTag(id)] : []));
  // "Last heard" names the room's newest event, which any live append may change.
  const latest = page.lastHeardTs !== null ? [latestTag(roomId)] : [];
  return [roomTag(roomId), dayTag(roomId, page.date), navTag(roomId), ...quoted, ...linked, ...latest];
}

/**
 * How long a rendered day page may be served without a write naming it, in seconds. Writes
 * invalidate exactly; the lifetime covers what no write reports: today's page (its date
 * picker, next-day link and the day fill that runs on view), a page with an open gap (the day
 * fill on view retries after a few minutes) and, for every page, the next UTC midnight (every
 * page names "today" as its date picker's limit).
 */
export function dayPageLifetime(page: DayPageView, now = Date.now()): number {
  if (page.isToday) return TODAY_SECONDS;
  const untilMidnight = Math.ceil((86_400_000 - (now % 86_400_000)) / 1000);
  const open = page.items.some((i) => i.kind === "gap");
  return Math.max(TODAY_SECONDS, Math.min(untilMidnight, open ? OPEN_GAP_SECONDS : untilMidnight));
}
