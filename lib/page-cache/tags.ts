import { createHash } from "node:crypto";

/**
 * Cache tags of rendered pages (docs/page-cache.md). The timeline's write path names the tags a
 * write changed; pages declare the tags of what they show; the page cache drops an entry as soon
 * as one of its tags was named after it was rendered. Room IDs can be 255 characters and tags
 * are bounded (Next.js allows 256 characters per tag), so a room is named by a short hash.
 */
function roomKey(roomId: string): string {
  return createHash("sha256").update(roomId).digest("base64url").slice(0, 16);
}

/** Everything cached of the room: header changes, purges, fills, denials, state in the middle. */
export function roomTag(roomId: string): string {
  return `r:${roomKey(roomId)}`;
}

/** The pages (every page and cursor) of one UTC day, "YYYY-MM-DD". */
export function dayTag(roomId: string, day: string): string {
  return `d:${roomKey(roomId)}:${day}`;
}

/** What depends on which days have messages: day navigation, calendars, the room's landing. */
export function navTag(roomId: string): string {
  return `n:${roomKey(roomId)}`;
}

/** Pages that quote (replies, threads) a message sent on `day`: an edit or redaction there changes them. */
export function quoteTag(roomId: string, day: string): string {
  return `q:${roomKey(roomId)}:${day}`;
}

/** What shows the room's newest messages: its landing and feed. */
export function latestTag(roomId: string): string {
  return `l:${roomKey(roomId)}`;
}

/** Pages quoting messages of more days than they can name one tag each for. */
export function quoteAnyTag(roomId: string): string {
  return `qa:${roomKey(roomId)}`;
}
