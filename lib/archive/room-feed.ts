import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { latestValidEdit } from "@/lib/archive/build-day-items";
import { messageBody } from "@/lib/archive/message-body";
import { getRoomAccess } from "@/lib/archive/room-access";
import { eventPermalinkPath, roomBasePath, type RoomRef } from "@/lib/archive/room-paths";
import { eventContent, hasReplyFallback, relationOf } from "@/lib/archive/stored-event";
import { loadRelations, toStoredEvent } from "@/lib/archive/reader-queries";
import { dayAnchorsFor } from "@/lib/archive/day-anchor";
import { displayNamesAt } from "@/lib/ingest/display-names";
import { hiddenEvents } from "@/lib/archive/visibility";
import { historyVisibilityAt } from "@/lib/timeline";

// A per-room Atom feed of the latest messages (readers of other archives keep asking for one):
// the same visibility, redaction and edit rules as the pages. Formatted messages carry their
// sanitized HTML (their plain body is often Markdown source), emotes keep their actor, authors
// are named as the pages name them, and entries link the message on its day page (the
// `/event/` permalinks only redirect there, and robots.txt keeps crawlers out of them; they
// stay the entries' ids, which must never change).

const FEED_SIZE = 50;

/** Text of sanitized message HTML, for an entry's title. */
function htmlText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: "<", gt: ">", quot: '"', "#39": "'", amp: "&" })[e] ?? "");
}

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
  const shown = events.filter((e) => !hidden.has(e.eventId)).slice(0, FEED_SIZE * 2);
  const [names, anchorOf] = await Promise.all([displayNamesAt(db, room.roomId, shown), dayAnchorsFor(db, room.roomId, basePath, shown)]);
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
    const author = names.get(e.sender) ?? e.sender;
    const plain = body.kind === "image" ? `[image] ${body.alt}` : body.kind === "file" ? `[file] ${body.name}` : body.text;
    // A formatted body too long for an entry is not cut inside its markup: its plain text goes instead.
    const html = body.kind === "text" && body.html !== null && body.html.length <= 16000 ? body.html : null;
    const emote = body.kind === "text" && body.msgtype === "m.emote";
    const titleText = `${emote ? `* ${author} ` : ""}${html !== null ? htmlText(html) : plain}`;
    const id = new URL(eventPermalinkPath(basePath, e.eventId), base).toString();
    const link = new URL(anchorOf(e), base).toString();
    const when = new Date(e.ts).toISOString();
    const entryContent =
      html !== null
        ? `<content type="html">${escapeXml(`${emote ? `* ${escapeXml(author)} ` : ""}${html}`)}</content>`
        : `<content type="text">${escapeXml(`${emote ? `* ${author} ` : ""}${plain}`.slice(0, 4000))}</content>`;
    entries.push(
      `<entry><id>${escapeXml(id)}</id><link href="${escapeXml(link)}"/><title>${escapeXml(titleText.replace(/\s+/g, " ").trim().slice(0, 80))}</title>` +
        `<author><name>${escapeXml(author)}</name></author><updated>${when}</updated>${entryContent}</entry>`,
    );
  }
  const self = new URL(`${basePath}/feed.xml`, base).toString();
  const updated = events[0] ? new Date(events[0].ts).toISOString() : new Date(0).toISOString();
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${escapeXml(new URL("/", base).toString())}">` +
    `<id>${escapeXml(self)}</id><title>${escapeXml(room.name ?? room.canonicalAlias ?? room.roomId)}</title>` +
    `<link rel="self" href="${escapeXml(self)}"/><link href="${escapeXml(new URL(basePath, base).toString())}"/><updated>${updated}</updated>\n` +
    `${entries.join("\n")}\n</feed>\n`
  );
}
