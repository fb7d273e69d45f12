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
      // Without statistics (PGlite has none until an ANALYZE) the planner guesses that the
      // table holds a few dozen rows: it would read the few hits by a sequential scan (cheap to
      // stop early, it thinks) and the newest windows by fetching a room's rows by bitmap and
      // sorting them. Turning sequential scans off leaves the GIN index for the hits; turning
      // bitmap scans off as well leaves the ordered walk of the (room_id, ts, event_id) index
      // for the windows; a GIN index is read only through a bitmap, so the last plan turns
      // them on again. One statement sets the bounds and reads whether there is a word to find.
      const terms = await tx.$queryRaw<{ n: number }[]>`
        SELECT set_config('statement_timeout', ${String(STATEMENT_TIMEOUT_MS)}, true) AS a, set_config('enable_seqscan', 'off', true) AS c,
          numnode(websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}))::int AS n`;
      if ((terms[0]?.n ?? 0) === 0) return { status: "no_terms" as const };
      let rows = await pageFromFewHits(tx, input);
      if (rows === null) {
        await tx.$queryRaw`SELECT set_config('enable_bitmapscan', 'off', true) AS b`;
        rows = await pageFromNewest(tx, input);
      }
      if (rows === null) {
        await tx.$queryRaw`SELECT set_config('enable_bitmapscan', 'on', true) AS b`;
        rows = await pageFromIndex(tx, input);
      }
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

/** Up to this many hits, the GIN index's hits are sorted for the page (a few milliseconds). */
const FEW_HITS = 100;

/**
 * How many of a room's newest rows the time-ordered plan tests: enough to hold a page of any
 * word in at least one message of 50, and never more than a few milliseconds of work.
 */
function windowSize(input: SearchRowsInput): number {
  return Math.min(5000, Math.max(1000, 50 * (input.offset + input.limit + 1)));
}

type PageOrNot = Array<{ ok: boolean } & (PageRow | { [K in keyof PageRow]: null })>;

/** The rows of an answer whose first row says whether it holds (`ok`), or null when not. */
function pageIfOk(rows: PageOrNot): PageRow[] | null {
  if (!rows[0]?.ok) return null;
  return rows.flatMap((r) => (r.event_id === null ? [] : [r]));
}

/**
 * The end of the two plans that first gather hits into `h` and then decide in `gate` whether
 * they hold the page: the page sorted from `h` when `gate.ok`, else a lone row saying not.
 */
function pageOfHits(input: SearchRowsInput): Prisma.Sql {
  return Prisma.sql`
      SELECT g.ok, p.* FROM gate g
      LEFT JOIN LATERAL (
        SELECT s.event_id, s.message_id, s.room_id, s.sender, s.ts, ${headline}
        FROM (
          SELECT ms.* FROM h JOIN message_search ms ON ms.event_id = h.event_id
          WHERE g.ok ORDER BY h.ts DESC, h.event_id DESC LIMIT ${input.limit + 1} OFFSET ${input.offset}
        ) s
        ${shown}
      ) p ON true
      ORDER BY p.ts DESC, p.event_id DESC`;
}

/**
 * Three plans answer a search, and which is cheap depends on how common the words are. The GIN
 * index finds every matching row and the newest are picked from them: the cost grows with the
 * hits (a word in most messages of a 100,000-message room cost a third of a second). Walking a
 * room's rows from the newest and testing each stops after one page of a common word, but walks
 * the whole room for a rare one. So: first up to FEW_HITS + 1 hits from the GIN index in any
 * order; when there are no more, they are all the hits, and the page is sorted from them.
 * Otherwise the words are common, and the newest rows of each room are tested, a bounded window
 * of them (pageFromNewest). Only when a common word is rare among the newest rows does the GIN
 * index sort all its hits (pageFromIndex).
 */
async function pageFromFewHits(db: Tx, input: SearchRowsInput): Promise<PageRow[] | null> {
  return pageIfOk(
    await db.$queryRaw<PageOrNot>`
      WITH q AS (SELECT websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}) AS q),
      h AS MATERIALIZED (
        SELECT s.event_id, s.ts FROM message_search s, q
        WHERE s.tsv @@ q.q AND s.room_id || '' = ANY(${[...input.roomIds]}::text[])
        LIMIT ${FEW_HITS + 1}
      ),
      gate AS (SELECT count(*) <= ${FEW_HITS} AS ok FROM h)
      ${pageOfHits(input)}`,
  );
}

/**
 * One page from the newest window of each room: when every room's window either holds the
 * room's whole index or a full page of hits, the page lies in the windows (the windows and the
 * page share one order); otherwise null. Each room's walk stops at the hits the page needs, so a
 * common word costs a few dozen rows.
 */
async function pageFromNewest(db: Tx, input: SearchRowsInput): Promise<PageRow[] | null> {
  const size = windowSize(input);
  const needed = input.offset + input.limit + 1;
  return pageIfOk(
    await db.$queryRaw<PageOrNot>`
      WITH q AS (SELECT websearch_to_tsquery(${SEARCH_CONFIG}::regconfig, ${input.query}) AS q),
      h AS MATERIALIZED (
        SELECT r.room_id AS probed, h.event_id, h.ts
        FROM unnest(${[...input.roomIds]}::text[]) AS r(room_id)
        CROSS JOIN LATERAL (
          SELECT w.event_id, w.ts
          FROM (
            SELECT s.event_id, s.ts, s.tsv FROM message_search s
            WHERE s.room_id = r.room_id ORDER BY s.ts DESC, s.event_id DESC LIMIT ${size}
          ) w, q
          WHERE w.tsv @@ q.q
          LIMIT ${needed}
        ) h
      ),
      gate AS (
        -- A room short of hits: its window was walked whole; it suffices if it held every row.
        SELECT coalesce(bool_and(CASE WHEN c.n >= ${needed} THEN true
          ELSE (SELECT count(*) FROM (SELECT 1 FROM message_search s WHERE s.room_id = c.room_id LIMIT ${size}) x) < ${size} END), true) AS ok
        FROM (SELECT r.room_id, (SELECT count(*) FROM h WHERE h.probed = r.room_id) AS n FROM unnest(${[...input.roomIds]}::text[]) AS r(room_id)) c
      )
      ${pageOfHits(input)}`,
  );
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
