import type { Db } from "@/lib/db";
import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";

// Keeps the room row's summary (name, topic, alias, history visibility and who made it
// world_readable) in step with the state events the archive receives.

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

/** Applies live state changes to the room row; returns the new history visibility if it changed. */
export async function applyStateToRoom(db: Db, roomId: string, events: readonly AcceptedPdu[]): Promise<string | undefined> {
  const summary = summarizeState(events);
  if (Object.keys(summary).length === 0) return undefined;
  const room = await db.room.findUnique({ where: { roomId }, select: { historyVisibility: true } });
  if (!room) return undefined;
  const data: Record<string, unknown> = {};
  for (const key of ["name", "topic", "canonicalAlias", "avatarUrl", "historyVisibility"] as const) {
    if (summary[key] !== undefined) data[key] = summary[key];
  }
  if (summary.historyVisibility === "world_readable" && room.historyVisibility !== "world_readable") {
    data.worldReadableBy = summary.worldReadableBy ?? null;
    data.worldReadableSince = summary.worldReadableSince ?? null;
  }
  await db.room.update({ where: { roomId }, data });
  return summary.historyVisibility !== undefined && summary.historyVisibility !== room.historyVisibility ? summary.historyVisibility : undefined;
}
