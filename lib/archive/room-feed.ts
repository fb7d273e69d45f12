import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { latestValidEdit } from "@/lib/archive/build-day-items";
import { messageBody } from "@/lib/archive/message-body";
import { getRoomAccess } from "@/lib/archive/room-access";
import { eventPermalinkPath, roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { eventContent, hasReplyFallback, relationOf } from "@/lib/archive/stored-event";
import { loadRelations, toStoredEvent } from "@/lib/archive/reader-queries";
import { hiddenEvents } from "@/lib/archive/visibility";
import { historyVisibilityAt } from "@/lib/timeline";

// A per-room Atom feed of the latest messages (readers of other archives keep asking for one):
// the same visibility, redaction and edit rules as the pages, text only, linking permalinks.

const FEED_SIZE = 50;

function escapeXml(text: string): string {
  // Also drops characters XML 1.0 cannot carry at all.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);
}

export async function getRoomFeed(db: Db, ref: RoomRef): Promise<string | undefined> {
  const access = await getRoomAccess(db, ref);
  if (access.status !== "ok") return undefined;
  const room = access.room;
  const items = await db.timelineItem.findMany({
    where: { roomId: room.roomId, kind: "event", event: { type: "m.room.message", redacted: false, deniedReason: null } },
    orderBy: { position: "desc" },
    take: FEED_SIZE * 2,
    select: { event: { select: { eventId: true, type: true, stateKey: true, sender: true, originServerTs: true, pdu: true, redacted: true } } },
  });
  const events = items.flatMap((i) => (i.event ? [toStoredEvent(i.event)] : []));
  const visibility = await historyVisibilityAt(
    db,
    room.roomId,
    events.map((e) => e.eventId),
  );
  const hidden = hiddenEvents(events, visibility, room.worldReadableSince?.getTime() ?? null);
  const relations = await loadRelations(
    db,
    room.roomId,
    events.map((e) => e.eventId),
  );
  const base = getEnv().ARCHIVE_BASE_URL;
  const basePath = roomBasePath(room);
  const entries: string[] = [];
  for (const e of events) {
    if (entries.length >= FEED_SIZE) break;
    const content = eventContent(e);
    if (hidden.has(e.eventId) || relationOf(content)?.kind === "replace") continue;
    const edit = latestValidEdit(
      e,
      relations.filter((r) => relationOf(eventContent(r))?.kind === "replace"),
    );
    const body = messageBody(edit?.content ?? content, hasReplyFallback(content) && !edit);
    if (!body) continue;
    const text = body.kind === "image" ? `[image] ${body.alt}` : body.kind === "file" ? `[file] ${body.name}` : body.text;
    const url = new URL(eventPermalinkPath(basePath, e.eventId), base).toString();
    const when = new Date(e.ts).toISOString();
    entries.push(
      `<entry><id>${escapeXml(url)}</id><link href="${escapeXml(url)}"/><title>${escapeXml(text.replace(/\s+/g, " ").slice(0, 80))}</title>` +
        `<author><name>${escapeXml(e.sender)}</name></author><updated>${when}</updated><content type="text">${escapeXml(text.slice(0, 4000))}</content></entry>`,
    );
  }
  const self = new URL(`${basePath}/feed.xml`, base).toString();
  const updated = events[0] ? new Date(events[0].ts).toISOString() : new Date(0).toISOString();
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">` +
    `<id>${escapeXml(self)}</id><title>${escapeXml(room.name ?? room.canonicalAlias ?? room.roomId)}</title>` +
    `<link rel="self" href="${escapeXml(self)}"/><link href="${escapeXml(new URL(basePath, base).toString())}"/><updated>${updated}</updated>\n` +
    `${entries.join("\n")}\n</feed>\n`
  );
}
