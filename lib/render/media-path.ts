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
  /**
   * Decoration (a sender's face over their initial): when the media cannot be had, the proxy
   * answers a transparent image (`missing=blank`) instead of an error, so the initial shows and
   * the reader's console stays clean. Never for message content, whose failure must show.
   */
  blankIfMissing?: boolean;
}

/** The query value of a media path that asks for a transparent image in place of an error. */
export const BLANK_IF_MISSING = "blank";

/** The archive-relative proxy path for an mxc URI, or undefined when the URI is not valid. */
export function mediaPath(uri: string, options: MediaPathOptions = {}): string | undefined {
  const mxc = parseMxcUri(uri);
  if (!mxc) return undefined;
  const base = `/media/${encodeURIComponent(mxc.serverName)}/${encodeURIComponent(mxc.mediaId)}`;
  const query: string[] = [];
  if (options.thumbnail) query.push(`thumbnail=${Math.round(options.thumbnail.width)}x${Math.round(options.thumbnail.height)}`);
  if (options.blankIfMissing) query.push(`missing=${BLANK_IF_MISSING}`);
  return query.length === 0 ? base : `${base}?${query.join("&")}`;
}

export interface ThumbnailSize {
  width: number;
  height: number;
  /** `crop` fills the box exactly; `scale` fits the media inside it (Matrix thumbnail methods). */
  method: "crop" | "scale";
}

/**
 * The only thumbnails the proxy asks for and caches, as Synapse's default `thumbnail_sizes`:
 * every other size a URL names maps onto one of these, so the cache holds at most this many
 * thumbnails of an item. Ordered by area, smallest first.
 */
export const THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
  { width: 32, height: 32, method: "crop" },
  { width: 96, height: 96, method: "crop" },
  { width: 320, height: 240, method: "scale" },
  { width: 640, height: 480, method: "scale" },
  { width: 800, height: 600, method: "scale" },
];

/** Larger than any screen's box for an inline image: a request beyond it is refused, not mapped. */
const MAX_THUMBNAIL_REQUEST = 4096;

/**
 * The thumbnail size serving `?thumbnail=WxH`: the smallest of THUMBNAIL_SIZES at least as large
 * in both directions, or the largest when none is; undefined for anything that is not two whole
 * numbers from 1 to MAX_THUMBNAIL_REQUEST.
 */
export function thumbnailSizeFor(param: string): ThumbnailSize | undefined {
  const match = /^([1-9]\d{0,3})x([1-9]\d{0,3})$/.exec(param);
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width > MAX_THUMBNAIL_REQUEST || height > MAX_THUMBNAIL_REQUEST) return undefined;
  return THUMBNAIL_SIZES.find((s) => s.width >= width && s.height >= height) ?? THUMBNAIL_SIZES[THUMBNAIL_SIZES.length - 1];
}

/** The media cache's name of a thumbnail size (one file per size and item). */
export function thumbnailVariant(size: ThumbnailSize): string {
  return `thumb-${size.width}x${size.height}-${size.method}`;
}
