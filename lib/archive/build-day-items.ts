import { messageBody } from "@/lib/archive/message-body";
import { namedParts } from "@/lib/archive/named-text";
import { eventFragment } from "@/lib/archive/room-paths";
import { describeStateChange, summariseRun, type StateChangeInput } from "@/lib/archive/state-summary";
import { eventContent, relationOf, quoteTargetOf, hasReplyFallback, str, type Content, type StoredEvent } from "@/lib/archive/stored-event";
import type {
  DayItemView,
  DenialItemView,
  GapItemView,
  MessageItemView,
  QuotedView,
  ReactionView,
  SenderView,
  StateChangeView,
} from "@/lib/archive/view-types";

// Pure: from the day's timeline items and the stored events they name to the views the page
// renders. All I/O happens before (get-day-page.ts), so this is tested without a database.

export type WindowItem =
  | { kind: "event"; eventId: string }
  | { kind: "gap"; gapId: string; edge: GapItemView["edge"]; sinceTs?: number | null; untilTs?: number | null }
  /** Where the archive learned that an earlier event is withheld or overruled (ts: when). */
  | { kind: "denial"; deniedEventId: string; reason: string; ts: number };

export interface DayItemsInput {
  items: readonly WindowItem[];
  events: ReadonlyMap<string, StoredEvent>;
  /** Events the archive denied after storing them (failed checks), with the reason: kept in place as a note. */
  withheld?: ReadonlyMap<string, string>;
  /** State changes that state resolution left out of the room's state, with the reason: shown in place, marked. */
  overruled?: ReadonlyMap<string, string>;
  /** Events named by denial items that are not among `events` (another page or day), for their permalinks. */
  denied?: ReadonlyMap<string, StoredEvent>;
  /** m.replace events by the event they edit (any day). */
  edits: ReadonlyMap<string, readonly StoredEvent[]>;
  /** m.annotation events by the event they react to (any day). */
  reactions: ReadonlyMap<string, readonly StoredEvent[]>;
  /** Events quoted by replies, stored (and visible) anywhere in the room. */
  quoted: ReadonlyMap<string, StoredEvent>;
  /** Display names by user ID. */
  names: ReadonlyMap<string, string>;
  /** Events whose history visibility at the time was not world_readable. */
  hidden: ReadonlySet<string>;
  /** Events that reached the archive after later ones (see get-day-page.ts). */
  late: ReadonlySet<string>;
  /** Where any stored event is read: its day page with its anchor (lib/archive/day-anchor.ts). */
  permalink: (event: StoredEvent) => string;
  /** Reply counts and latest reply times of thread roots among `events`. */
  threads?: ReadonlyMap<string, { count: number; latestTs: number }>;
  /** The thread page of a root; without it, thread quotes link the root's permalink. */
  threadPath?: (rootId: string) => string;
}

const HIDDEN_TYPES = new Set(["m.reaction", "m.room.redaction", "m.call.candidates", "m.call.negotiate", "m.call.select_answer"]);
const MESSAGE_TYPES = new Set(["m.room.message", "m.sticker", "m.room.encrypted"]);

function sender(userId: string, names: ReadonlyMap<string, string>): SenderView {
  return { userId, displayName: names.get(userId) ?? null };
}

/** The latest edit by the original sender that carries new content (m.replace rules). */
export function latestValidEdit(original: StoredEvent, edits: readonly StoredEvent[]): { event: StoredEvent; content: Content } | null {
  let best: { event: StoredEvent; content: Content } | null = null;
  for (const edit of edits) {
    if (edit.redacted || edit.sender !== original.sender || edit.type !== original.type) continue;
    const content = eventContent(edit);
    const rel = relationOf(content);
    if (rel?.kind !== "replace" || rel.target !== original.eventId) continue;
    const newContent = content["m.new_content"];
    if (typeof newContent !== "object" || newContent === null || Array.isArray(newContent)) continue;
    if (!best || edit.ts > best.event.ts || (edit.ts === best.event.ts && edit.eventId > best.event.eventId)) {
      best = { event: edit, content: newContent as Content };
    }
  }
  return best;
}

function aggregateReactions(reactions: readonly StoredEvent[]): ReactionView[] {
  const byKey = new Map<string, Set<string>>();
  for (const r of reactions) {
    if (r.redacted) continue;
    const rel = relationOf(eventContent(r));
    if (rel?.kind !== "annotation") continue;
    const key = rel.key.slice(0, 64);
    const senders = byKey.get(key) ?? new Set<string>();
    senders.add(r.sender);
    byKey.set(key, senders);
  }
  return [...byKey]
    .map(([key, senders]) => ({ key, count: senders.size, senders: [...senders].slice(0, 10) }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function quotedView(eventId: string, kind: QuotedView["kind"], input: DayItemsInput): QuotedView {
  const target = input.quoted.get(eventId);
  // A thread message names its thread: the thread page reads it whole, even without its root.
  const threadHref = kind === "thread" && input.threadPath ? input.threadPath(eventId) : null;
  if (!target || input.hidden.has(eventId)) return { eventId, kind, sender: null, excerpt: null, deleted: false, href: threadHref };
  if (target.redacted)
    return { eventId, kind, sender: sender(target.sender, input.names), excerpt: null, deleted: true, href: threadHref ?? input.permalink(target) };
  const edit = latestValidEdit(target, input.edits.get(eventId) ?? []);
  const content = edit?.content ?? eventContent(target);
  const body = messageBody(content, hasReplyFallback(eventContent(target)));
  const excerpt = body
    ? body.kind === "text" || body.kind === "unsupported" || body.kind === "location"
      ? body.text
      : body.kind === "image"
        ? `🖼 ${body.alt}`
        : `📎 ${body.name}`
    : null;
  return {
    eventId,
    kind,
    sender: sender(target.sender, input.names),
    excerpt: excerpt === null ? null : excerpt.length > 280 ? `${excerpt.slice(0, 279)}…` : excerpt,
    deleted: false,
    href: threadHref ?? input.permalink(target),
  };
}

function threadView(eventId: string, input: DayItemsInput): MessageItemView["thread"] {
  const summary = input.threads?.get(eventId);
  return summary && input.threadPath ? { count: summary.count, latestTs: summary.latestTs, href: input.threadPath(eventId) } : null;
}

function messageView(event: StoredEvent, input: DayItemsInput): MessageItemView {
  const base = {
    kind: "message" as const,
    eventId: event.eventId,
    sender: sender(event.sender, input.names),
    ts: event.ts,
    late: input.late.has(event.eventId),
    reactions: aggregateReactions(input.reactions.get(event.eventId) ?? []),
    withheld: null,
    thread: threadView(event.eventId, input),
    href: input.permalink(event),
    continued: false,
  };
  const withheld = input.withheld?.get(event.eventId);
  if (withheld !== undefined) return { ...base, reactions: [], body: null, deleted: false, withheld, editedTs: null, replyTo: null };
  if (event.redacted) return { ...base, body: null, deleted: true, editedTs: null, replyTo: null };
  const original = eventContent(event);
  if (event.type === "m.room.encrypted") {
    return { ...base, body: { kind: "unsupported", text: "Encrypted message" }, deleted: false, editedTs: null, replyTo: null };
  }
  const quote = quoteTargetOf(original);
  const edit = latestValidEdit(event, input.edits.get(event.eventId) ?? []);
  const content: Content = event.type === "m.sticker" ? { ...original, msgtype: "m.image" } : (edit?.content ?? original);
  return {
    ...base,
    body: messageBody(content, hasReplyFallback(original) && !edit),
    deleted: false,
    editedTs: edit ? edit.event.ts : null,
    replyTo: quote ? quotedView(quote.eventId, quote.kind, input) : null,
  };
}

function isEdit(event: StoredEvent): boolean {
  return !event.redacted && event.type === "m.room.message" && relationOf(eventContent(event))?.kind === "replace";
}

/**
 * A denial item: what the archive learned, linking the item it concerns (its anchor when this
 * page shows it, else its permalink). Left out, like the event itself, when that event was not
 * world-readable: its reason describes it.
 */
function denialView(item: Extract<WindowItem, { kind: "denial" }>, anchored: ReadonlySet<string>, input: DayItemsInput): DenialItemView | null {
  const id = item.deniedEventId;
  if (input.hidden.has(id)) return null;
  const event = input.events.get(id) ?? input.denied?.get(id);
  const href = anchored.has(id) || !event ? `#${eventFragment(id)}` : input.permalink(event);
  return { kind: "denial", eventId: id, ts: item.ts, reason: namedParts(item.reason, input.names), href };
}

/** A withheld state change: only who changed what kind of state is shown, never its content. */
function withheldStateText(event: StoredEvent, names: ReadonlyMap<string, string>): string {
  return `A room change by ${names.get(event.sender) ?? event.sender}`;
}

export function buildDayItems(input: DayItemsInput): DayItemView[] {
  const out: DayItemView[] = [];
  let run: { inputs: StateChangeInput[]; views: StateChangeView[] } | null = null;
  const memberships = new Map<string, string>();
  /** Events this page shows with an anchor, so far. */
  const anchored = new Set<string>();
  const flush = () => {
    if (run && run.views.length > 0) {
      const first = run.views[0]!;
      out.push({ kind: "state", eventId: first.eventId, ts: first.ts, summary: summariseRun(run.inputs, run.views), changes: run.views });
    }
    run = null;
  };
  /** A change shown on its own, so its mark is not folded into a summary of others. */
  const alone = (change: StateChangeInput, view: StateChangeView) => {
    flush();
    run = { inputs: [change], views: [view] };
    flush();
    anchored.add(view.eventId);
  };
  for (const item of input.items) {
    if (item.kind === "gap") {
      flush();
      out.push({ kind: "gap", gapId: item.gapId, edge: item.edge, sinceTs: item.sinceTs ?? null, untilTs: item.untilTs ?? null });
      continue;
    }
    if (item.kind === "denial") {
      const view = denialView(item, anchored, input);
      if (!view) continue;
      flush();
      out.push(view);
      continue;
    }
    const event = input.events.get(item.eventId);
    if (!event || input.hidden.has(event.eventId) || HIDDEN_TYPES.has(event.type)) continue;
    if (event.stateKey !== null) {
      const withheld = input.withheld?.get(event.eventId);
      if (withheld !== undefined) {
        // Its content is not shown, nor read for the summary or the memberships that follow.
        const change: StateChangeInput = {
          eventId: event.eventId,
          ts: event.ts,
          type: event.type,
          stateKey: event.stateKey,
          sender: event.sender,
          content: {},
          prevMembership: null,
          redacted: event.redacted,
          names: input.names,
        };
        alone(change, { eventId: event.eventId, ts: event.ts, text: withheldStateText(event, input.names), overruled: null, withheld });
        continue;
      }
      const content = eventContent(event);
      const change: StateChangeInput = {
        eventId: event.eventId,
        ts: event.ts,
        type: event.type,
        stateKey: event.stateKey,
        sender: event.sender,
        content,
        prevMembership: event.type === "m.room.member" ? (memberships.get(event.stateKey) ?? null) : null,
        redacted: event.redacted,
        names: input.names,
      };
      const overruled = input.overruled?.get(event.eventId) ?? null;
      // An overruled change never took hold in the room's state: later changes follow the state that did.
      if (event.type === "m.room.member" && overruled === null) {
        const m = str(content.membership);
        if (m) memberships.set(event.stateKey, m);
      }
      const text = describeStateChange(change);
      if (overruled !== null) {
        // Shown even when it is state a reader is not otherwise told of: it is marked for a reason.
        alone(change, {
          eventId: event.eventId,
          ts: event.ts,
          text: text ?? `${input.names.get(event.sender) ?? event.sender} changed ${event.type}`,
          overruled: namedParts(overruled, input.names),
          withheld: null,
        });
        continue;
      }
      if (text === null) continue;
      run ??= { inputs: [], views: [] };
      run.inputs.push(change);
      run.views.push({ eventId: event.eventId, ts: event.ts, text, overruled: null, withheld: null });
      anchored.add(event.eventId);
      continue;
    }
    if (!MESSAGE_TYPES.has(event.type) || isEdit(event)) continue;
    flush();
    out.push(messageView(event, input));
    anchored.add(event.eventId);
  }
  flush();
  return readingComfort(out);
}

/** Consecutive messages of one sender sent within this long of each other share one name and time. */
const GROUP_MS = 5 * 60_000;

/**
 * What makes a page easier to read, over the whole list: a display name that two senders on the
 * page share is shown with each one's user ID (the header's tooltip alone does not tell them
 * apart), and a message that continues its sender's previous one within a few minutes is marked
 * `continued` (shown under the first one's name and time). A late message, or one after a state
 * change, gap or denial, starts a group of its own.
 */
function readingComfort(items: DayItemView[]): DayItemView[] {
  const byName = new Map<string, Set<string>>();
  const note = (s: SenderView | null | undefined) => {
    if (!s?.displayName) return;
    const ids = byName.get(s.displayName) ?? new Set<string>();
    ids.add(s.userId);
    byName.set(s.displayName, ids);
  };
  for (const i of items) {
    if (i.kind !== "message") continue;
    note(i.sender);
    note(i.replyTo?.sender);
  }
  const shared = new Set([...byName].flatMap(([name, ids]) => (ids.size > 1 ? [name] : [])));
  const named = (s: SenderView): SenderView =>
    s.displayName !== null && shared.has(s.displayName) ? { ...s, displayName: `${s.displayName} (${s.userId})` } : s;
  let previous: MessageItemView | null = null;
  return items.map((i) => {
    if (i.kind !== "message") {
      previous = null;
      return i;
    }
    const continued =
      previous !== null && previous.sender.userId === i.sender.userId && !i.late && !previous.late && i.ts >= previous.ts && i.ts - previous.ts < GROUP_MS;
    previous = i;
    const replyTo = i.replyTo?.sender ? { ...i.replyTo, sender: named(i.replyTo.sender) } : i.replyTo;
    return { ...i, sender: named(i.sender), replyTo, continued };
  });
}
