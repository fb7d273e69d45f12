import { z } from "zod";

// Day-page URLs name the page's neighbour by its edge item: `?after=$event` / `?before=$event`
// for an event (the bare ID, as always), `d:$event` for the denial item of that event. Event IDs
// start with `$`, so the `d:` prefix is unambiguous. The timeline's own cursors are `e:…`/`d:…`.

/** An `?after=`/`?before=` value: an event ID, or `d:` and the ID of a denied event. */
export const urlCursorSchema = z
  .string()
  .max(257)
  .regex(/^(d:)?\$/, "is not a day-page cursor");

/** The timeline cursor (lib/timeline getDayWindow) a URL cursor names. */
export function timelineCursorOf(urlCursor: string): string {
  return urlCursor.startsWith("d:") ? urlCursor : `e:${urlCursor}`;
}

/** The URL form of a timeline cursor, or null for a cursor a URL cannot carry. */
export function urlCursorOf(timelineCursor: string | null): string | null {
  if (timelineCursor?.startsWith("e:")) return timelineCursor.slice(2);
  if (timelineCursor?.startsWith("d:")) return timelineCursor;
  return null;
}
