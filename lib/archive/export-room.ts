import { exportFileStem, exportItem } from "@/lib/archive/export-items";
import { getRoomAccess } from "@/lib/archive/room-access";
import type { RoomRef } from "@/lib/archive/room-paths";
import { hiddenEvents } from "@/lib/archive/visibility";
import type { Db } from "@/lib/db";
import { historyVisibilityAt, streamRoomTimeline } from "@/lib/timeline";

// A whole room as NDJSON (docs/exports.md): a first line describing the room, then one line per
// timeline item in timeline order, the items of the day exports with the same consent rules.
// Streamed chunk by chunk (pulled by the reader, so a slow download holds one chunk in memory);
// the room's consent is checked again every few chunks, and a room that stops being served
// mid-stream ends the stream with a line saying so.

const RECHECK_EVERY = 20;

export type RoomExportResult = { status: "ok"; filename: string; stream: ReadableStream<Uint8Array> } | { status: "not_found" } | { status: "forbidden" };

export async function exportRoom(db: Db, ref: RoomRef): Promise<RoomExportResult> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return { status: access.status };
  const room = access.room;
  const encoder = new TextEncoder();
  const chunks = streamRoomTimeline(db, room.roomId);
  let chunkCount = 0;
  let started = false;
  const line = (value: unknown) => encoder.encode(`${JSON.stringify(value)}\n`);
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(line({ kind: "room", room_id: room.roomId, alias: room.canonicalAlias, name: room.name, room_version: room.roomVersion }));
        return;
      }
      if (++chunkCount % RECHECK_EVERY === 0 && (await getRoomAccess(db, ref)).status !== "ok") {
        controller.enqueue(line({ kind: "end", reason: "the room stopped being served during the export" }));
        controller.close();
        return;
      }
      const next = await chunks.next();
      if (next.done) {
        controller.enqueue(line({ kind: "end", reason: "complete" }));
        controller.close();
        return;
      }
      const items = next.value;
      const events = items.flatMap((i) => (i.kind === "event" ? [i] : []));
      const deniedIds = items.flatMap((i) => (i.kind === "denial" ? [i.deniedEventId] : []));
      const deniedTs = await db.event.findMany({ where: { roomId: room.roomId, eventId: { in: deniedIds } }, select: { eventId: true, originServerTs: true } });
      const visibility = await historyVisibilityAt(db, room.roomId, [...events.map((e) => e.eventId), ...deniedIds]);
      const hidden = hiddenEvents(
        [...events.map((e) => ({ eventId: e.eventId, ts: e.originServerTs })), ...deniedTs.map((d) => ({ eventId: d.eventId, ts: Number(d.originServerTs) }))],
        visibility,
        room.worldReadableSince?.getTime() ?? null,
      );
      const text = items
        .filter((i) => !(i.kind === "event" && hidden.has(i.eventId)) && !(i.kind === "denial" && hidden.has(i.deniedEventId)))
        .map((i) => `${JSON.stringify(exportItem(room.roomId, i))}\n`)
        .join("");
      controller.enqueue(encoder.encode(text));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return { status: "ok", filename: `${exportFileStem({ alias: room.canonicalAlias, roomId: room.roomId })}.ndjson`, stream };
}
