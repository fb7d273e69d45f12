import type { Db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import type { Tx } from "@/lib/timeline/db-types";
import { SEARCH_CONFIG } from "@/lib/timeline/search-index";

// Reading the full-text search rows (docs/search.md). The query text goes through
// websearch_to_tsquery, which accepts any input (quotes, `or`, `-word`) without a syntax error;
// the caller bounds its length. A hit is found through the GIN index on `tsv` and checked
// again against the message it shows: still placed, not redacted, not withheld, and (for an
// edit) edited by its own sender.

/** Private-use characters around the matched words of a snippet, and standing in for `<` and `>`, which ts_headline would read as tags. */
export const SNIPPET_MARK_START = "\uE000";
export const SNIPPET_MARK_END = "\uE001";
const LT = "\uE002";
const GT = "\uE003";

const MARKS = `StartSel=${SNIPPET_MARK_START},StopSel=${SNIPPET_MARK_END}`;
/** A short message is shown whole; a long one by up to two fragments around its matches. */
const SHORT_BODY = 400;
const HEADLINE_SHORT = `${MARKS},MaxWords=80,MinWords=40`;
const HEADLINE_LONG = `${MARKS},MaxWords=30,MinWords=12,MaxFragments=2,FragmentDelimiter=" … "`;

/** The snippet of a page row `s`, for the query `q.q`. */
const headline = Prisma.sql`ts_headline(${SEARCH_CONFIG}::regconfig, translate(s.body, ${"<>" + SNIPPET_MARK_START + SNIPPET_MARK_END}, ${LT + GT}), q.q,
  CASE WHEN length(s.body) <= ${SHORT_BODY} THEN ${HEADLINE_SHORT} ELSE ${HEADLINE_LONG} END) AS snippet`;
/** Keeps the page rows `s` whose message a day page would show (see the top of this file). */
const shown = Prisma.sql`CROSS JOIN q
  JOIN events m ON m.event_id = s.message_id
  JOIN timeline_items i ON i.event_id = s.message_id
  WHERE NOT m.redacted AND m.denied_reason IS NULL AND m.room_id = s.room_id AND m.sender = s.sender
  ORDER BY s.ts DESC, s.event_id DESC`;

/** How long one search may run on a Postgres server (PGlite runs in-process and cannot cancel a statement). */
const STATEMENT_TIMEOUT_MS = 3000;

export interface SearchHitRow {
  /** The event whose text matched (an edit, or the message itself). */
  eventId: string;
  /** The message the hit shows and links to. */
  messageId: string;
  roomId: string;
  sender: string;
  ts: number;
  /** Plain text with the matched words between SNIPPET_MARK_START and SNIPPET_MARK_END. */
  snippet: string;
}

export type SearchRowsResult =
  | { status: "ok"; hits: SearchHitRow[]; more: boolean }
  /** The query holds no word that can be searched (empty, punctuation, only stop words). */
  | { status: "no_terms" }
  /** The statement ran out of time (a Postgres server only). */
  | { status: "timeout" };

export interface SearchRowsInput {
  roomIds: readonly string[];
  query: string;
  limit: number;
  offset: number;
}

/** One page of hits, newest first, in the given rooms. */
export async function searchMessageRows(db: Db, input: SearchRowsInput): Promise<SearchRowsResult> {
  if (input.roomIds.length === 0) return { status: "ok", hits: [], more: false };
  try {
    return await db.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      const terms = await tx.$queryRaw<{ n: number }[]>`SELECT numnode(websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}))::int AS n`;
      if ((terms[0]?.n ?? 0) === 0) return { status: "no_terms" as const };
      const rows = (await newestWindowsSuffice(tx, input)) ? await pageFromNewest(tx, input) : await pageFromIndex(tx, input);
      const hits = rows.slice(0, input.limit).map((r) => ({
        eventId: r.event_id,
        messageId: r.message_id,
        roomId: r.room_id,
        sender: r.sender,
        ts: Number(r.ts),
        snippet: r.snippet.replaceAll(LT, "<").replaceAll(GT, ">"),
      }));
      return { status: "ok" as const, hits, more: rows.length > input.limit };
    });
  } catch (err) {
    // 57014: query_canceled, which is how statement_timeout ends a statement.
    if (isCanceled(err)) return { status: "timeout" };
    throw err;
  }
}

type PageRow = { event_id: string; message_id: string; room_id: string; sender: string; ts: bigint; snippet: string };

/**
 * How many of a room's newest rows the time-ordered plan tests: enough to hold a page of any
 * word in at least one message of 50, and never more than a few milliseconds of work.
 */
function windowSize(input: SearchRowsInput): number {
  return Math.min(5000, Math.max(1000, 50 * (input.offset + input.limit + 1)));
}

/**
 * Two plans answer a search, and which is cheap depends on how common the words are. The GIN
 * index finds every matching row and the newest are picked from them: the cost grows with the
 * hits (a word in most messages of a 100,000-message room costs a third of a second). Walking a
 * room's rows from the newest and testing each stops after one page of a common word, but walks
 * the whole room for a rare one. So the newest rows of each room are tested first, a bounded
 * window of them: when every room's window either holds the room's whole index or a full page of
 * hits, the page lies in the windows (the windows and the page share one order); otherwise the
 * words are rare and the GIN index answers.
 */
async function newestWindowsSuffice(db: Tx, input: SearchRowsInput): Promise<boolean> {
  const size = windowSize(input);
  const needed = input.offset + input.limit + 1;
  const rooms = await db.$queryRaw<{ scanned: number; hits: number }[]>`
    WITH q AS (SELECT websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}) AS q)
    SELECT count(*)::int AS scanned, count(*) FILTER (WHERE w.tsv @@ q.q)::int AS hits
    FROM unnest(${[...input.roomIds]}::text[]) AS r(room_id)
    CROSS JOIN LATERAL (
      SELECT s.tsv FROM message_search s WHERE s.room_id = r.room_id ORDER BY s.ts DESC, s.event_id DESC LIMIT ${size}
    ) w
    CROSS JOIN q
    GROUP BY r.room_id`;
  return rooms.every((r) => r.scanned < size || r.hits >= needed);
}

/** One page from the newest window of each room (see newestWindowsSuffice). */
function pageFromNewest(db: Tx, input: SearchRowsInput): Promise<PageRow[]> {
  return db.$queryRaw<PageRow[]>`
    WITH q AS (SELECT websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}) AS q)
    SELECT s.event_id, s.message_id, s.room_id, s.sender, s.ts, ${headline}
    FROM (
      SELECT w.* FROM unnest(${[...input.roomIds]}::text[]) AS r(room_id)
      CROSS JOIN LATERAL (
        SELECT s.* FROM message_search s WHERE s.room_id = r.room_id ORDER BY s.ts DESC, s.event_id DESC LIMIT ${windowSize(input)}
      ) w
      CROSS JOIN q
      WHERE w.tsv @@ q.q
      ORDER BY w.ts DESC, w.event_id DESC
      LIMIT ${input.limit + 1} OFFSET ${input.offset}
    ) s
    ${shown}`;
}

/**
 * One page from the GIN index alone: `room_id || ''` and `ts + 0` keep the planner (no
 * statistics on PGlite) from walking all of a room's rows through the (room_id, ts) index and
 * testing each.
 */
function pageFromIndex(db: Tx, input: SearchRowsInput): Promise<PageRow[]> {
  return db.$queryRaw<PageRow[]>`
    WITH q AS (SELECT websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}) AS q)
    SELECT s.event_id, s.message_id, s.room_id, s.sender, s.ts, ${headline}
    FROM (
      SELECT s.* FROM message_search s, q
      WHERE s.tsv @@ q.q AND s.room_id || '' = ANY(${[...input.roomIds]}::text[])
      ORDER BY s.ts + 0 DESC, s.event_id DESC
      LIMIT ${input.limit + 1} OFFSET ${input.offset}
    ) s
    ${shown}`;
}

function isCanceled(err: unknown): boolean {
  const text = String((err as { message?: unknown })?.message ?? "") + JSON.stringify(err ?? null);
  return text.includes("57014") || text.includes("canceling statement due to statement timeout");
}

/** The number of gaps (history the archive does not hold) in each of the rooms. */
export async function countGaps(db: Db, roomIds: readonly string[]): Promise<number> {
  if (roomIds.length === 0) return 0;
  const rows = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM timeline_items WHERE room_id = ANY(${[...roomIds]}::text[]) AND kind = 'gap'`;
  return Number(rows[0]?.n ?? 0);
}
