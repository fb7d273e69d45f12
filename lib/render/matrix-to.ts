// matrix.to permalinks inside messages point at rooms and events this archive may hold; they are
// rewritten to the archive's own pages so a reader stays in the archive (and crawlers follow
// links that resolve). Users (`@…`) and unknown shapes keep their matrix.to link.

/** Archive path of a room given by alias (`#a:b`) or room ID (`!x:y`). */
function roomPath(roomRef: string): string | undefined {
  if (/^#[^:]+:.+$/.test(roomRef)) return `/r/${encodeURIComponent(roomRef.slice(1))}`;
  if (/^![^:]+:.+$/.test(roomRef)) return `/roomid/${encodeURIComponent(roomRef.slice(1))}`;
  return undefined;
}

/** The archive's permalink route for an event in a room given by alias or room ID. */
function eventPath(roomRef: string, eventId: string): string | undefined {
  const room = roomPath(roomRef);
  if (!room || !/^\$[^\s/?#]+$/.test(eventId)) return undefined;
  return `${room}/event/${encodeURIComponent(eventId)}`;
}

/** Rewrites `https://matrix.to/#/<room>[/<event>][?via=…]` to an archive path. */
export function rewriteMatrixTo(href: string): string | undefined {
  const prefix = "https://matrix.to/#/";
  if (!href.startsWith(prefix)) return undefined;
  const [pathPart = ""] = href.slice(prefix.length).split("?");
  let parts: string[];
  try {
    parts = pathPart.split("/").map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const [room, event, ...rest] = parts;
  if (!room || rest.length > 0) return undefined;
  return event ? eventPath(room, event) : roomPath(room);
}

/** A matrix.to link that opens the room in the reader's own Matrix client. */
export function matrixToRoomLink(roomRef: string, via: readonly string[] = []): string {
  const query =
    via.length > 0
      ? `?${via
          .slice(0, 3)
          .map((s) => `via=${encodeURIComponent(s)}`)
          .join("&")}`
      : "";
  return `https://matrix.to/#/${encodeURIComponent(roomRef)}${query}`;
}
