import type { Db } from "@/lib/db";
import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import { stopArchivingRoom, type StopArchivingOptions } from "@/lib/federation/purge-room";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";

// Keeps the room row's summary (name, topic, alias, history visibility and who made it
// world_readable) in step with the room's current state as stored, and ends the archiving of a
// joined room whose current history visibility is no longer world_readable (purge-room.ts).

export interface RoomSummary {
  name?: string | null;
  topic?: string | null;
  canonicalAlias?: string | null;
  avatarUrl?: string | null;
  historyVisibility?: string;
  worldReadableBy?: string;
  worldReadableSince?: Date;
}

function depthOf(pdu: JsonObject): number {
  return typeof pdu.depth === "number" ? pdu.depth : 0;
}

/** The summary implied by a set of state events; for each type the deepest event wins. */
export function summarizeState(events: readonly AcceptedPdu[]): RoomSummary {
  const latest = new Map<string, JsonObject>();
  for (const { pdu, redacted } of events) {
    if (pdu.state_key !== "" || typeof pdu.type !== "string" || redacted) continue;
    const current = latest.get(pdu.type);
    if (!current || depthOf(pdu) >= depthOf(current)) latest.set(pdu.type, pdu);
  }
  const summary: RoomSummary = {};
  const content = (type: string) => {
    const e = latest.get(type);
    return e && isJsonObject(e.content) ? e.content : undefined;
  };
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  if (latest.has("m.room.name")) summary.name = str(content("m.room.name")?.name);
  if (latest.has("m.room.topic")) summary.topic = str(content("m.room.topic")?.topic);
  if (latest.has("m.room.canonical_alias")) summary.canonicalAlias = str(content("m.room.canonical_alias")?.alias);
  if (latest.has("m.room.avatar")) summary.avatarUrl = str(content("m.room.avatar")?.url);
  const hv = latest.get("m.room.history_visibility");
  if (hv) {
    const value = str(content("m.room.history_visibility")?.history_visibility) ?? "shared";
    summary.historyVisibility = value;
    if (value === "world_readable") {
      summary.worldReadableBy = typeof hv.sender === "string" ? hv.sender : undefined;
      summary.worldReadableSince = typeof hv.origin_server_ts === "number" ? new Date(hv.origin_server_ts) : undefined;
    }
  }
  return summary;
}

interface StoredStateRow {
  event_id: string;
  type: string;
  pdu: string;
  redacted: boolean;
}

/**
 * The room's current summary state as stored: per type the deepest event (summarizeState's rule;
 * ties as for the server ACL: the later origin_server_ts, then the later timeline position).
 * Reading the store rather than the incoming batch is what keeps an older change that arrives
 * late (backfill, a retried transaction) from overriding a newer one, and catches changes stored
 * by another path (get_missing_events, fills).
 */
async function latestStoredState(db: Db, roomId: string): Promise<AcceptedPdu[]> {
  const rows = await db.$queryRaw<StoredStateRow[]>`
    SELECT DISTINCT ON (e.type) e.event_id, e.type, e.pdu, e.redacted
    FROM events e LEFT JOIN timeline_items t ON t.event_id = e.event_id
    WHERE e.room_id = ${roomId} AND e.state_key = '' AND e.denied_reason IS NULL
      AND e.type IN ('m.room.name', 'm.room.topic', 'm.room.canonical_alias', 'm.room.avatar', 'm.room.history_visibility')
      -- a redacted history_visibility event still rules: redaction keeps history_visibility
      AND (NOT e.redacted OR e.type = 'm.room.history_visibility')
    ORDER BY e.type, e.depth DESC, e.origin_server_ts DESC, t.position DESC NULLS LAST, e.event_id DESC`;
  return rows.map((r) => ({
    status: "accepted" as const,
    eventId: r.event_id,
    pdu: parseJsonObject(r.pdu),
    redacted: r.redacted && r.type !== "m.room.history_visibility",
  }));
}

export type ApplyStateOptions = StopArchivingOptions;

const SUMMARY_KEYS = ["name", "topic", "canonicalAlias", "avatarUrl", "historyVisibility"] as const;

/**
 * Brings the room row in step with the room's stored state after PDUs were stored; returns the
 * new history visibility if it changed. A joined room whose current history visibility is not
 * world_readable is purged and left (purge-room.ts).
 */
export async function applyStateToRoom(
  db: Db,
  roomId: string,
  // The batch just stored. Unused: every batch is checked against the store, not only batches
  // carrying summary state, since /send may also have stored events fetched with get_missing_events.
  _stored: readonly AcceptedPdu[],
  options: ApplyStateOptions = {},
): Promise<string | undefined> {
  const room = await db.room.findUnique({
    where: { roomId },
    select: { roomVersion: true, status: true, servers: true, historyVisibility: true, name: true, topic: true, canonicalAlias: true, avatarUrl: true },
  });
  if (!room) return undefined;
  const latest = await latestStoredState(db, roomId);
  const summary = summarizeState(latest);
  const visibilityEvent = latest.find((e) => e.pdu.type === "m.room.history_visibility");
  if (room.status === "joined" && visibilityEvent && summary.historyVisibility !== undefined && summary.historyVisibility !== "world_readable") {
    const stopped = await stopArchivingRoom(
      db,
      { roomId, roomVersion: room.roomVersion, servers: room.servers },
      {
        historyVisibility: summary.historyVisibility,
        eventId: visibilityEvent.eventId,
        sender: typeof visibilityEvent.pdu.sender === "string" ? visibilityEvent.pdu.sender : "unknown",
        originServerTs: typeof visibilityEvent.pdu.origin_server_ts === "number" ? visibilityEvent.pdu.origin_server_ts : undefined,
      },
      options,
    );
    if (stopped) return room.historyVisibility === summary.historyVisibility ? undefined : summary.historyVisibility;
  }
  const data: Record<string, unknown> = {};
  for (const key of SUMMARY_KEYS) {
    if (summary[key] !== undefined && summary[key] !== room[key]) data[key] = summary[key];
  }
  if (summary.historyVisibility === "world_readable" && room.historyVisibility !== "world_readable") {
    data.worldReadableBy = summary.worldReadableBy ?? null;
    data.worldReadableSince = summary.worldReadableSince ?? null;
  }
  // Unchanged rows are not written: updatedAt is the sitemaps' lastmod.
  if (Object.keys(data).length > 0) await db.room.update({ where: { roomId }, data });
  return typeof data.historyVisibility === "string" ? data.historyVisibility : undefined;
}

/**
 * For the fill paths (backfill, forwards fill, jumps, gap fills): when they stored new state, the
 * room row follows it, and a room whose history stopped being world_readable stops being archived
 * at once rather than at its next /send (which checks every batch itself).
 */
export async function applyStateAfterFill(
  db: Db,
  roomId: string,
  accepted: readonly AcceptedPdu[],
  inserted: readonly string[],
  options: ApplyStateOptions = {},
): Promise<void> {
  const fresh = new Set(inserted);
  if (accepted.some((a) => fresh.has(a.eventId) && typeof a.pdu.state_key === "string")) await applyStateToRoom(db, roomId, accepted, options);
}
