import type { Db } from "@/lib/db";
import { parseMxcUri, type MxcUri } from "@/lib/render/media-path";
import type { Tx } from "@/lib/timeline/db-types";

// The media that stored events name (`media_refs`, docs/media.md), kept by the write path like
// the search rows: written with the placed events from their stored form, gone when an event is
// redacted or withheld, deleted with the events on a purge (foreign key). The media proxy asks
// this indexed table whether an mxc URI is used by a servable room, and a purge asks it which
// files on disk no other room needs.
//
// What counts as a reference: every string of the content that is exactly an mxc URI (url,
// info.thumbnail_url, file.url, avatar_url, m.new_content's, whatever key a client used: an
// event can only name media its sender chose to show), and the mxc URIs inside a
// `formatted_body` (inline images). The migration that created the table wrote the same for
// the events stored before it.

/** Most references kept per event: a PDU is at most 64 KiB, and real events name one or two. */
const MAX_REFS_PER_EVENT = 32;
/** Deeper content is not walked (the SQL of the migration uses the same bound). */
const MAX_DEPTH = 16;
const IN_HTML = /mxc:\/\/([^/\s"'<>]{1,255})\/([A-Za-z0-9_-]{1,255})/g;

export interface ReferencingEvent {
  eventId: string;
  pdu: string;
  redacted: boolean;
}

function collect(value: unknown, key: string, depth: number, out: Map<string, MxcUri>): void {
  if (out.size >= MAX_REFS_PER_EVENT || depth > MAX_DEPTH) return;
  if (typeof value === "string") {
    if (value.startsWith("mxc://")) {
      const mxc = parseMxcUri(value);
      if (mxc) out.set(`${mxc.serverName}/${mxc.mediaId}`, mxc);
    } else if (key === "formatted_body" && value.includes("mxc://")) {
      for (const m of value.matchAll(IN_HTML)) {
        const mxc = parseMxcUri(m[0]);
        if (mxc && out.size < MAX_REFS_PER_EVENT) out.set(`${mxc.serverName}/${mxc.mediaId}`, mxc);
      }
    }
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) for (const v of value) collect(v, key, depth + 1, out);
  else for (const [k, v] of Object.entries(value)) collect(v, k, depth + 1, out);
}

/** The media an event's stored content names (none once redacted: redaction strips them). */
function mediaRefsOf(e: ReferencingEvent): MxcUri[] {
  if (e.redacted || !e.pdu.includes("mxc://")) return [];
  let content: unknown;
  try {
    content = (JSON.parse(e.pdu) as { content?: unknown }).content;
  } catch {
    return [];
  }
  const out = new Map<string, MxcUri>();
  collect(content, "", 0, out);
  return [...out.values()];
}

/** A media_refs row: event, server name, media ID. */
export interface MediaRefRow {
  e: string;
  s: string;
  m: string;
}

/** The media references of newly placed events. */
export function mediaRefRowsOf(events: readonly ReferencingEvent[]): MediaRefRow[] {
  return events.flatMap((e) => mediaRefsOf(e).map((m) => ({ e: e.eventId, s: m.serverName, m: m.mediaId })));
}

/** Removes the references of events that were redacted or withheld. */
export async function forgetMediaRefs(tx: Tx, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await tx.$executeRaw`DELETE FROM media_refs WHERE event_id = ANY(${[...eventIds]}::text[])`;
}

/**
 * Media the room's stored events name that no event of another room names: what a purge of the
 * room leaves unused (asked before its events are deleted).
 */
export async function mediaOnlyIn(tx: Tx, roomId: string): Promise<MxcUri[]> {
  const rows = await tx.$queryRaw<{ server_name: string; media_id: string }[]>`
    SELECT DISTINCT r.server_name, r.media_id FROM media_refs r
    WHERE r.room_id = ${roomId}
      AND NOT EXISTS (SELECT 1 FROM media_refs o WHERE o.server_name = r.server_name AND o.media_id = r.media_id AND o.room_id <> ${roomId})`;
  return rows.map((r) => ({ serverName: r.server_name, mediaId: r.media_id }));
}

export interface MediaRoom {
  roomId: string;
  canonicalAlias: string | null;
}

/**
 * The servable rooms (joined, world-readable) whose shown events (placed, not redacted,
 * withheld, rejected or soft-failed) name the media, at most `limit`; none: the media is not
 * the archive's to serve. One index lookup on (server_name, media_id).
 */
export async function roomsUsingMedia(db: Db, mxc: MxcUri, limit = 16): Promise<MediaRoom[]> {
  const rows = await db.$queryRaw<{ room_id: string; canonical_alias: string | null }[]>`
    SELECT DISTINCT ro.room_id, ro.canonical_alias FROM media_refs r
    JOIN events e ON e.event_id = r.event_id
    JOIN rooms ro ON ro.room_id = r.room_id
    WHERE r.server_name = ${mxc.serverName} AND r.media_id = ${mxc.mediaId}
      AND NOT e.redacted AND e.denied_reason IS NULL AND e.rejected_reason IS NULL AND e.soft_failed_reason IS NULL
      AND ro.status = 'joined' AND ro.history_visibility = 'world_readable'
    ORDER BY ro.room_id LIMIT ${limit}`;
  return rows.map((r) => ({ roomId: r.room_id, canonicalAlias: r.canonical_alias }));
}
