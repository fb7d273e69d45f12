import { clientEvent, type ClientEvent } from "@/lib/archive/client-event";

// One timeline item as the exports write it (docs/exports.md), from a day window's item or the
// room stream's: the same shape in the day's JSON and in each line of the room's NDJSON.

export type ExportItem =
  | { kind: "event"; event: ClientEvent; redacted?: true; withheld?: string; overruled?: string; late?: true }
  | {
      kind: "gap";
      /** Times of the nearest events on each side (null at the room's ends). */
      since_ts: number | null;
      until_ts: number | null;
      /** How many missing prev_events the archive knows of, and how many edges it could fill forwards from. */
      missing_prev_events: number;
      unknown_successors: number;
    }
  | { kind: "denial"; event_id: string; reason: string; ts: number };

interface EventInput {
  kind: "event";
  eventId: string;
  type: string;
  sender: string;
  originServerTs: number;
  pdu: string;
  redacted: boolean;
  deniedReason: string | null;
  overruledReason: string | null;
  late?: boolean;
}
type ItemInput =
  | EventInput
  | { kind: "gap"; missingPrevEvents: string[]; unknownSuccessorsOf: string[]; sinceTs?: number | null; untilTs?: number | null }
  | { kind: "denial"; deniedEventId: string; reason: string; ts: number };

export function exportItem(roomId: string, item: ItemInput): ExportItem {
  if (item.kind === "gap") {
    return {
      kind: "gap",
      since_ts: item.sinceTs ?? null,
      until_ts: item.untilTs ?? null,
      missing_prev_events: item.missingPrevEvents.length,
      unknown_successors: item.unknownSuccessorsOf.length,
    };
  }
  if (item.kind === "denial") return { kind: "denial", event_id: item.deniedEventId, reason: item.reason, ts: item.ts };
  const known = { eventId: item.eventId, roomId, type: item.type, sender: item.sender, ts: item.originServerTs };
  // A withheld event keeps its place, never its content.
  const event = item.deniedReason !== null ? { ...clientEvent("{}", known), content: {} } : clientEvent(item.pdu, known);
  return {
    kind: "event",
    event,
    ...(item.redacted ? { redacted: true as const } : {}),
    ...(item.deniedReason !== null ? { withheld: item.deniedReason } : {}),
    ...(item.overruledReason !== null ? { overruled: item.overruledReason } : {}),
    ...(item.late ? { late: true as const } : {}),
  };
}

/** A file name stem for a room's exports: its alias (or ID) with anything unsafe in a header replaced. */
export function exportFileStem(room: { alias: string | null; roomId: string }): string {
  return (room.alias ?? room.roomId).replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^_+|_+$/g, "") || "room";
}
