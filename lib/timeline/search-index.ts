import { stripReplyFallback } from "@/lib/matrix/reply-fallback";
import type { Tx } from "@/lib/timeline/db-types";

// The full-text search rows (`message_search`, docs/search.md), kept by the write path: a row
// for every placed, unredacted m.room.message with a text body, written with the events; gone
// when the event is redacted or withheld; purges delete it with the events (foreign key).
// Kept apart from insert-events.ts so the write path calls it in one line.

/** The text search configuration of every tsvector and query (English stemming, the common case of public rooms). */
export const SEARCH_CONFIG = "english";

/** Longest body indexed: a PDU is at most 64 KiB, and a snippet never needs more. */
const MAX_SEARCH_BODY = 20_000;

export interface SearchableEvent {
  eventId: string;
  type: string;
  sender: string;
  originServerTs: bigint;
  pdu: string;
  redacted: boolean;
}

export interface SearchRow {
  eventId: string;
  messageId: string;
  sender: string;
  ts: bigint;
  body: string;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * What a message offers to search: its plain body (without a reply's quoted fallback), or for
 * an edit the new body, found under the message it edits. Null for anything else.
 */
function searchRowOf(e: SearchableEvent): SearchRow | null {
  if (e.type !== "m.room.message" || e.redacted) return null;
  let content: Record<string, unknown> | null;
  try {
    content = record((JSON.parse(e.pdu) as { content?: unknown }).content);
  } catch {
    return null;
  }
  if (!content) return null;
  const rel = record(content["m.relates_to"]);
  const newContent = record(content["m.new_content"]);
  const isEdit = rel?.rel_type === "m.replace" && typeof rel.event_id === "string";
  const source = isEdit ? newContent : content;
  const body = source?.body;
  if (typeof body !== "string") return null;
  // A plain reply's body starts with the quoted message; only its own words are searched.
  const text = (!isEdit && rel !== null && record(rel["m.in_reply_to"]) ? stripReplyFallback(body) : body).slice(0, MAX_SEARCH_BODY).trim();
  if (text === "") return null;
  return { eventId: e.eventId, messageId: isEdit ? (rel.event_id as string) : e.eventId, sender: e.sender, ts: e.originServerTs, body: text };
}

/** The search rows of newly placed events (the unsearchable ones have none). */
export function searchRowsOf(events: readonly SearchableEvent[]): SearchRow[] {
  return events.flatMap((e) => searchRowOf(e) ?? []);
}

/**
 * Removes the search rows of events that were redacted or withheld, and of the edits of those
 * messages: their text is never found again.
 */
export async function unindexForSearch(tx: Tx, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  // An edit's row is the only one whose message_id is not its own ID; saying so lets the
  // planner use the index that holds only those rows (a message's own row is found by event_id).
  await tx.$executeRaw`
    DELETE FROM message_search
    WHERE event_id = ANY(${[...eventIds]}::text[]) OR (message_id = ANY(${[...eventIds]}::text[]) AND message_id <> event_id)`;
}
