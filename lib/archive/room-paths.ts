import { datePath } from "@/lib/archive/day-range";

// Every URL of a room starts from its alias when it has one (readable, what people share) and
// from its room ID otherwise; both forms are accepted, and pages name the alias form canonical.

export type RoomRef = { kind: "alias"; alias: string } | { kind: "id"; roomId: string };

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** `/r/{alias}` segment → `#alias:server`; a leading `#` typed by hand is tolerated. */
export function aliasRefFromParam(param: string): RoomRef | undefined {
  const decoded = decodeSegment(param);
  if (!decoded) return undefined;
  const alias = decoded.startsWith("#") ? decoded : `#${decoded}`;
  return /^#[^:\s]+:[^\s]+$/.test(alias) && alias.length <= 255 ? { kind: "alias", alias } : undefined;
}

/** `/roomid/{id}` segment → `!id:server`, or `!hash` for room version 12 (no server part). */
export function roomIdRefFromParam(param: string): RoomRef | undefined {
  const decoded = decodeSegment(param);
  if (!decoded) return undefined;
  const roomId = decoded.startsWith("!") ? decoded : `!${decoded}`;
  return /^![^:\s]+(?::[^\s]+)?$/.test(roomId) && roomId.length <= 255 ? { kind: "id", roomId } : undefined;
}

export function roomBasePath(room: { roomId: string; canonicalAlias: string | null }): string {
  return room.canonicalAlias
    ? `/r/${encodeURIComponent(room.canonicalAlias.replace(/^#/, ""))}`
    : `/roomid/${encodeURIComponent(room.roomId.replace(/^!/, ""))}`;
}

export function dayPagePath(basePath: string, date: string, time?: string | null): string {
  return `${basePath}/date/${datePath(date)}${time ? `T${time}` : ""}`;
}

export function eventPermalinkPath(basePath: string, eventId: string): string {
  return `${basePath}/event/${encodeURIComponent(eventId)}`;
}

/** The `#…` of a message on its day page; event IDs of v4+ rooms need no escaping at all. */
export function eventFragment(eventId: string): string {
  return eventId.replace(/[^A-Za-z0-9$_\-.:+/=~!*'()@]/g, (c) => encodeURIComponent(c));
}

/** The base path a route parameter named, before the room is looked up. */
export function roomPathOfRef(ref: RoomRef): string {
  return ref.kind === "alias" ? `/r/${encodeURIComponent(ref.alias.slice(1))}` : `/roomid/${encodeURIComponent(ref.roomId.slice(1))}`;
}

/** A day's export (`json` or `txt`), or with `date` null the whole room's NDJSON stream. */
export function exportPath(basePath: string, date: string | null, format: "json" | "txt" = "json"): string {
  return date === null ? `${basePath}/export/room.ndjson` : `${basePath}/export/${date}.${format}`;
}

/** The page of a thread, by its root's event ID. */
export function threadPagePath(basePath: string, rootId: string): string {
  return `${basePath}/thread/${encodeURIComponent(rootId)}`;
}
