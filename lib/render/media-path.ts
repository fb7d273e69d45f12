// Message content may only point at media through the archive's own proxy: a reader's browser
// never talks to a homeserver, and a hostile `src` cannot reach anything but our route.

const SERVER_NAME = /^(?:[A-Za-z0-9.-]{1,255}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
const MEDIA_ID = /^[A-Za-z0-9_-]{1,255}$/;

export interface MxcUri {
  serverName: string;
  mediaId: string;
}

/** Parses `mxc://<server-name>/<media-id>`; anything else (query, fragment, dots) is refused. */
export function parseMxcUri(uri: string): MxcUri | undefined {
  if (!uri.startsWith("mxc://")) return undefined;
  const rest = uri.slice("mxc://".length);
  const slash = rest.indexOf("/");
  if (slash < 1) return undefined;
  const serverName = rest.slice(0, slash);
  const mediaId = rest.slice(slash + 1);
  if (!SERVER_NAME.test(serverName) || !MEDIA_ID.test(mediaId)) return undefined;
  return { serverName, mediaId };
}

export interface MediaPathOptions {
  /** Ask the proxy for a thumbnail instead of the full file. */
  thumbnail?: { width: number; height: number };
}

/** The archive-relative proxy path for an mxc URI, or undefined when the URI is not valid. */
export function mediaPath(uri: string, options: MediaPathOptions = {}): string | undefined {
  const mxc = parseMxcUri(uri);
  if (!mxc) return undefined;
  const base = `/media/${encodeURIComponent(mxc.serverName)}/${encodeURIComponent(mxc.mediaId)}`;
  if (!options.thumbnail) return base;
  const { width, height } = options.thumbnail;
  return `${base}?thumbnail=${Math.round(width)}x${Math.round(height)}`;
}
