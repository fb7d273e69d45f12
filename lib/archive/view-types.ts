import type { TextPart } from "@/lib/archive/named-text";
import type { RoomUpgradesView } from "@/lib/archive/room-upgrades";
// What the day-page components receive: plain, serializable objects (no BigInt, no Date, no
// Prisma rows), so they can cross into client islands and be cached as JSON.

export interface SenderView {
  userId: string;
  displayName: string | null;
}

export interface ReactionView {
  key: string;
  count: number;
  /** A few senders for the tooltip. */
  senders: string[];
}

export interface QuotedView {
  eventId: string;
  /** A reply quotes its target; a thread message names its thread's root. */
  kind: "reply" | "thread";
  /** Null when the quoted event is not in the archive (or not visible). */
  sender: SenderView | null;
  excerpt: string | null;
  deleted: boolean;
  /** The archive page that holds the quoted message (may be another day). */
  href: string | null;
}

export type MessageBody =
  | { kind: "text"; msgtype: "m.text" | "m.notice" | "m.emote"; text: string; html: string | null }
  | { kind: "image"; alt: string; src: string | null; thumbnailSrc: string | null; width: number | null; height: number | null }
  | { kind: "file"; msgtype: "m.file" | "m.video" | "m.audio"; name: string; href: string | null; size: number | null; mimetype: string | null }
  | { kind: "location"; text: string; geoUri: string | null }
  | { kind: "unsupported"; text: string };

export interface MessageItemView {
  kind: "message";
  eventId: string;
  sender: SenderView;
  ts: number;
  body: MessageBody | null;
  /** Redacted: shown as deleted, keeping its place. */
  deleted: boolean;
  /** Denied by the archive after it was stored (e.g. failed checks): the reason, shown in its place. */
  withheld: string | null;
  editedTs: number | null;
  replyTo: QuotedView | null;
  reactions: ReactionView[];
  /** Placed among later events: it reached the archive after them. */
  late: boolean;
  /** For a thread root: how many replies the archive holds, the latest one's time, the thread page. */
  thread: { count: number; latestTs: number; href: string } | null;
  /** Where the message is read: its day page with its anchor (what its time links). */
  href: string;
  /** Continues its sender's previous message within a few minutes: shown under that one's name and time. */
  continued: boolean;
}

export interface StateChangeView {
  eventId: string;
  ts: number;
  /** What the change did; for a withheld change, only that it was withheld (its content is not shown). */
  text: string;
  /**
   * State resolution left this change out of the room's state (after a netsplit healed): the
   * reason (users by display name), shown with the change, which keeps its text and its place.
   * Null when it holds.
   */
  overruled: TextPart[] | null;
  /** Denied by the archive after it was stored: the reason, shown instead of the change. */
  withheld: string | null;
}

export interface StateRunItemView {
  kind: "state";
  /** The first event of the run: the anchor of the summary. */
  eventId: string;
  ts: number;
  summary: string;
  changes: StateChangeView[];
}

export interface GapItemView {
  kind: "gap";
  gapId: string;
  /** Where it sits relative to the day's events. */
  edge: "leading" | "inner" | "trailing" | "day";
  /** Sent-times of the stored messages around it (null at the room's known start or end). */
  sinceTs: number | null;
  untilTs: number | null;
}

/**
 * The archive learned something that overturns an earlier item (withheld or overruled): shown
 * where it learned it, at the end of the timeline at that moment, linking the item it concerns.
 */
export interface DenialItemView {
  kind: "denial";
  /** The denied event's ID (the anchor of its item, `#eventId`, when it is on this page). */
  eventId: string;
  /** When the archive learned it. */
  ts: number;
  /** What changed, in a sentence (users by display name). */
  reason: TextPart[];
  /** The denied item: its anchor on this page, or its permalink. */
  href: string;
}

export type DayItemView = MessageItemView | StateRunItemView | GapItemView | DenialItemView;

export interface ConsentView {
  worldReadableSince: string | null;
  worldReadableBy: string | null;
  indexed: boolean;
  joinHref: string;
  /** The archive's Matrix user: kicking or banning it is how a room's admins opt out. */
  archiveUserId: string;
}

export interface RoomHeaderView {
  roomId: string;
  alias: string | null;
  name: string;
  topic: string | null;
  /** `/r/{alias}` or `/roomid/{id}`: the base of every page of this room. */
  basePath: string;
}

export interface DayNavView {
  date: string;
  /** Null on the room's first day: nothing before it is served. */
  previousDay: string | null;
  nextDay: string | null;
  /** The first day of the room's history, unless this is it. */
  firstDayHref: string | null;
  previousActivityHref: string | null;
  nextActivityHref: string | null;
  /** Earlier/later page of the same busy day. */
  earlierPageHref: string | null;
  laterPageHref: string | null;
  /** The room was upgraded: past its last activity the navigation leads to its successor. */
  continuedIn: { label: string; href: string } | null;
  /** Busy days only: the hours that have messages, each a `T{hh}:00` page. */
  hours: Array<{ label: string; href: string }>;
}

export interface CalendarView {
  /** e.g. "November 2026" */
  label: string;
  weeks: Array<Array<{ day: number; date: string; active: boolean } | null>>;
  /** Null when the previous month lies wholly before the room's history. */
  previousMonthHref: string | null;
  nextMonthHref: string | null;
}

export interface DayPageView {
  room: RoomHeaderView;
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  /** `HH:MM` when the URL chose a time of day. */
  time: string | null;
  canonicalPath: string;
  /** Reached through an ?after/?before cursor: not a page of its own for search engines. */
  viaCursor: boolean;
  items: DayItemView[];
  messageCount: number;
  nav: DayNavView;
  consent: ConsentView;
  calendar: CalendarView;
  isToday: boolean;
  /** UTC days of the messages this page quotes (replies, threads): an edit or redaction there changes it. */
  quotedDays: string[];
  /**
   * When the newest event the archive holds from the room was sent: shown on the pages past the
   * room's last activity (which then also depend on the room's newest events, `l:`).
   */
  lastHeardTs: number | null;
  /** The rooms an upgrade links this one to (lib/archive/room-upgrades.ts): their rows decide the links. */
  upgrades: RoomUpgradesView;
  /** Per sender of the page's messages with an avatar: its 32×32 thumbnail through the media proxy. */
  avatars: Record<string, string>;
}

/** A piece of a search hit's snippet: plain text, or a matched word to highlight. */
export interface SnippetPart {
  text: string;
  mark: boolean;
}

export interface SearchHitView {
  /** The message the hit shows (an edit's hit names the message it edits). */
  eventId: string;
  room: { name: string; basePath: string };
  sender: SenderView;
  ts: number;
  snippet: SnippetPart[];
  /** The message's permalink. */
  href: string;
}

export interface SearchPageView {
  scope: { kind: "room"; room: RoomHeaderView } | { kind: "all" };
  /** Where the search form submits. */
  path: string;
  query: string;
  /** Why there are no hits to show, when the query could not run. */
  problem: null | "too_long" | "no_terms" | "timeout";
  hits: SearchHitView[];
  page: number;
  previousPageHref: string | null;
  nextPageHref: string | null;
  /** Gaps in the history of the searched rooms: results may miss what they hide. */
  gapCount: number;
}
