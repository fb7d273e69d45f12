import { z } from "zod";

// The subset of a stored event the views read. `pdu` is verified canonical JSON; for display a
// plain JSON.parse is enough (only depth can exceed 2^53, and the views never read it).

export interface StoredEvent {
  eventId: string;
  type: string;
  stateKey: string | null;
  sender: string;
  ts: number;
  pdu: string;
  redacted: boolean;
}

export type Content = Record<string, unknown>;

// A page reads each event's content several times (relations, quotes, edits, the body); the
// PDU is parsed once per event object. Views never mutate the content they get.
const contents = new WeakMap<StoredEvent, Content>();

export function eventContent(event: StoredEvent): Content {
  let content = contents.get(event);
  if (!content) {
    content = parseContent(event.pdu);
    contents.set(event, content);
  }
  return content;
}

function parsePdu(pdu: string): unknown {
  try {
    return JSON.parse(pdu);
  } catch {
    // A stored PDU is always valid JSON; an unreadable one shows as empty rather than a 500.
    return null;
  }
}

function contentOf(parsed: unknown): Content {
  if (typeof parsed === "object" && parsed !== null && "content" in parsed) {
    const content = (parsed as { content: unknown }).content;
    if (typeof content === "object" && content !== null && !Array.isArray(content)) return content as Content;
  }
  return {};
}

const parseContent = (pdu: string): Content => contentOf(parsePdu(pdu));

/**
 * A stored event from what a timeline window returns (no state_key column): the PDU is parsed
 * once, for its state_key and for the content later reads get.
 */
function storedEventFromPdu<T extends Omit<StoredEvent, "stateKey">>(fields: T): T & { stateKey: string | null } {
  const parsed = parsePdu(fields.pdu);
  const stateKey =
    typeof parsed === "object" && parsed !== null && typeof (parsed as { state_key?: unknown }).state_key === "string"
      ? (parsed as { state_key: string }).state_key
      : null;
  const event = { ...fields, stateKey };
  contents.set(event, contentOf(parsed));
  return event;
}

/** An event item of a timeline window (a day's or a thread's), as a stored event the views read. */
export function storedEventFromItem(item: {
  eventId: string;
  type: string;
  sender: string;
  originServerTs: number;
  pdu: string;
  redacted: boolean;
  deniedReason: string | null;
}) {
  return storedEventFromPdu({
    eventId: item.eventId,
    type: item.type,
    sender: item.sender,
    ts: item.originServerTs,
    pdu: item.pdu,
    redacted: item.redacted,
    deniedReason: item.deniedReason,
  });
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

const relatesTo = z.object({
  rel_type: z.string().optional(),
  event_id: z.string().optional(),
  key: z.string().optional(),
  "m.in_reply_to": z.object({ event_id: z.string() }).optional(),
  is_falling_back: z.boolean().optional(),
});

export type Relation =
  | { kind: "replace"; target: string }
  | { kind: "annotation"; target: string; key: string }
  /** `replyTo` only when it is a real reply inside the thread, not the fallback for old clients. */
  | { kind: "thread"; target: string; replyTo: string | null }
  | { kind: "reply"; replyTo: string }
  | { kind: "other" };

const relations = new WeakMap<Content, Relation | null>();

export function relationOf(content: Content): Relation | null {
  if (relations.has(content)) return relations.get(content) ?? null;
  const relation = parseRelation(content);
  relations.set(content, relation);
  return relation;
}

function parseRelation(content: Content): Relation | null {
  const parsed = relatesTo.safeParse(content["m.relates_to"]);
  if (!parsed.success) return null;
  const r = parsed.data;
  const replyTo = r["m.in_reply_to"]?.event_id ?? null;
  if (r.rel_type === "m.replace" && r.event_id) return { kind: "replace", target: r.event_id };
  if (r.rel_type === "m.annotation" && r.event_id && r.key !== undefined) return { kind: "annotation", target: r.event_id, key: r.key };
  if (r.rel_type === "m.thread" && r.event_id) return { kind: "thread", target: r.event_id, replyTo: r.is_falling_back === false ? replyTo : null };
  if (replyTo) return { kind: "reply", replyTo };
  return { kind: "other" };
}

/**
 * What a message quotes: the message it replies to, or for a thread message without a reply
 * of its own, the thread's root (so a reader sees which conversation it belongs to).
 */
export function quoteTargetOf(content: Content): { eventId: string; kind: "reply" | "thread" } | null {
  const rel = relationOf(content);
  if (!rel) return null;
  if (rel.kind === "reply") return { eventId: rel.replyTo, kind: "reply" };
  if (rel.kind === "thread") return rel.replyTo ? { eventId: rel.replyTo, kind: "reply" } : { eventId: rel.target, kind: "thread" };
  return null;
}

/** Whether the plain body starts with a rich-reply fallback to strip. */
export function hasReplyFallback(content: Content): boolean {
  const rel = relationOf(content);
  return rel?.kind === "reply" || rel?.kind === "thread";
}
