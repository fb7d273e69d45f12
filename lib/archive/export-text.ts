import type { DayExport } from "@/lib/archive/export-day";
import type { ExportItem } from "@/lib/archive/export-items";
import { describeStateChange } from "@/lib/archive/state-summary";
import { str } from "@/lib/archive/stored-event";
import { stripReplyFallback } from "@/lib/matrix/reply-fallback";

// A day as plain text (docs/exports.md): one line per item, times in UTC, names as the page
// shows them. Pure: from the day's JSON export.

const time = (ts: number) => new Date(ts).toISOString().slice(11, 19);
const when = (ts: number) => `${new Date(ts).toISOString().slice(0, 16).replace("T", " ")} UTC`;
// Control characters other than newline and tab would let a message rewrite a terminal's screen.
const clean = (text: string) => text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "");
const indent = (text: string) => clean(text).replace(/\n/g, "\n    ");

function itemLine(item: ExportItem, names: ReadonlyMap<string, string>): string | null {
  if (item.kind === "gap") {
    const span = item.since_ts !== null && item.until_ts !== null ? ` (after ${when(item.since_ts)}, before ${when(item.until_ts)})` : "";
    return `--- messages missing here${span} ---`;
  }
  if (item.kind === "denial") return `[${time(item.ts)}] --- later, the archive learned: ${clean(item.reason)} ---`;
  const e = item.event;
  const who = clean(names.get(e.sender) ?? e.sender);
  const at = `[${time(e.origin_server_ts)}]`;
  if (item.withheld) return `${at} <${who}> (withheld by the archive: ${clean(item.withheld)})`;
  if (e.type === "m.room.message" || e.type === "m.sticker") {
    if (item.redacted) return `${at} <${who}> (message deleted)`;
    const rel = e.content["m.relates_to"] as { rel_type?: unknown; "m.in_reply_to"?: unknown } | undefined;
    const body = str(e.content.body) ?? "";
    const own = rel?.["m.in_reply_to"] ? stripReplyFallback(body) : body;
    const prefix = rel?.rel_type === "m.replace" ? "(edit) " : rel?.["m.in_reply_to"] ? "(reply) " : "";
    return str(e.content.msgtype) === "m.emote" ? `${at} * ${who} ${prefix}${indent(own)}` : `${at} <${who}> ${prefix}${indent(own)}`;
  }
  if (e.type === "m.reaction") {
    const key = str((e.content["m.relates_to"] as { key?: unknown } | undefined)?.key);
    return key ? `${at} * ${who} reacted ${clean(key)}` : null;
  }
  if (e.type === "m.room.redaction") return `${at} * ${who} deleted a message`;
  if (e.state_key !== undefined) {
    const line = describeStateChange({
      eventId: e.event_id,
      ts: e.origin_server_ts,
      type: e.type,
      stateKey: e.state_key,
      sender: e.sender,
      content: e.content,
      prevMembership: null,
      redacted: item.redacted === true,
      names,
    });
    return line ? `${at} * ${clean(line)}${item.overruled ? ` (overruled: ${clean(item.overruled)})` : ""}` : null;
  }
  return null;
}

export function dayExportText(day: DayExport): string {
  const names = new Map(Object.entries(day.names));
  const title = `${day.room.name ?? day.room.alias ?? day.room.room_id} (${day.room.alias ?? day.room.room_id}), ${day.date} (UTC)`;
  const lines = day.items.map((i) => itemLine(i, names)).filter((l): l is string => l !== null);
  return [clean(title), ...lines, ...(day.truncated ? ["--- this export stops here: the day holds more than an export carries ---"] : [])].join("\n") + "\n";
}
