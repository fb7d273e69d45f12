import type { Db } from "@/lib/db";

// Threads (m.thread relations, docs/threads.md): a root and the events that name it as their
// thread, in timeline order across days, with the gaps that lie between them (history the
// archive does not hold, where replies may be missing).

/** A thread page shows at most this many events; a longer thread is cut (and says so). */
const MAX_THREAD_EVENTS = 1000;

type ThreadItem =
  | {
      kind: "event";
      eventId: string;
      type: string;
      sender: string;
      originServerTs: number;
      pdu: string;
      redacted: boolean;
      deniedReason: string | null;
    }
  /** One or more gaps between two events of the thread (or before its first one held). */
  | { kind: "gap"; gapId: string; sinceTs: number | null; untilTs: number | null };

export interface ThreadWindow {
  items: ThreadItem[];
  /** Whether the root itself is held (a thread can be known from its replies alone). */
  hasRoot: boolean;
  /** A gap lies after the thread's last held event: later replies may be missing. */
  gapAfter: boolean;
  truncated: boolean;
}

interface Row {
  kind: string;
  id: bigint;
  event_id: string | null;
  type: string | null;
  sender: string | null;
  origin_server_ts: bigint | null;
  pdu: string | null;
  redacted: boolean | null;
  denied_reason: string | null;
  ts: bigint | null;
}

/** The thread of `rootId`: null when the archive holds neither the root nor any reply. */
export async function getThreadWindow(db: Db, roomId: string, rootId: string): Promise<ThreadWindow | null> {
  // `room_id || ''` keeps the planner on the event ID and relates_to indexes (no statistics on PGlite).
  const rows = await db.$queryRaw<Row[]>`
    WITH t AS (
      SELECT i.position, i.id, e.event_id, e.type, e.sender, e.origin_server_ts, e.pdu, e.redacted, e.denied_reason
      FROM events e JOIN timeline_items i ON i.event_id = e.event_id
      WHERE (e.event_id = ${rootId} OR (e.relates_to = ${rootId} AND e.rel_type = 'm.thread')) AND e.room_id || '' = ${roomId}
      ORDER BY i.position LIMIT ${MAX_THREAD_EVENTS + 1}
    ), bounds AS (SELECT min(position) AS lo, max(position) AS hi FROM t)
    SELECT 'event' AS kind, id, event_id, type, sender, origin_server_ts, pdu, redacted, denied_reason, position, NULL::bigint AS ts FROM t
    UNION ALL
    SELECT 'gap', g.id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, g.position,
      -- For a gap, the time of the thread event right before it (its "since").
      (SELECT max(t.origin_server_ts) FROM t WHERE t.position < g.position)
    FROM timeline_items g, bounds
    WHERE g.room_id = ${roomId} AND g.kind = 'gap' AND g.position > bounds.lo
    ORDER BY position`;
  const events = rows.filter((r) => r.kind === "event");
  if (events.length === 0) return null;
  const truncated = events.length > MAX_THREAD_EVENTS;
  const items: ThreadItem[] = [];
  let gapAfter = false;
  let shown = 0;
  for (const [n, r] of rows.entries()) {
    if (r.kind === "gap") {
      const laterEvent = rows.slice(n + 1).find((x) => x.kind === "event");
      if (!laterEvent) {
        gapAfter = true;
        break;
      }
      // Several gaps between two thread events read as one.
      if (items.at(-1)?.kind === "gap") continue;
      items.push({ kind: "gap", gapId: r.id.toString(), sinceTs: r.ts === null ? null : Number(r.ts), untilTs: Number(laterEvent.origin_server_ts) });
      continue;
    }
    if (shown++ >= MAX_THREAD_EVENTS) break;
    items.push({
      kind: "event",
      eventId: r.event_id!,
      type: r.type!,
      sender: r.sender!,
      originServerTs: Number(r.origin_server_ts),
      pdu: r.pdu!,
      redacted: r.redacted ?? false,
      deniedReason: r.denied_reason,
    });
  }
  return { items, hasRoot: events.some((e) => e.event_id === rootId), gapAfter, truncated };
}

/** Reply counts and the latest reply's time of the given thread roots (only roots that have replies). */
export async function threadSummaries(db: Db, roomId: string, rootIds: readonly string[]): Promise<Map<string, { count: number; latestTs: number }>> {
  if (rootIds.length === 0) return new Map();
  const rows = await db.$queryRaw<{ root: string; n: number; latest: bigint }[]>`
    SELECT e.relates_to AS root, count(*)::int AS n, max(e.origin_server_ts) AS latest
    FROM events e JOIN timeline_items i ON i.event_id = e.event_id
    WHERE e.relates_to = ANY(${[...rootIds]}::text[]) AND e.rel_type = 'm.thread' AND e.room_id || '' = ${roomId}
      AND e.denied_reason IS NULL
    GROUP BY e.relates_to`;
  return new Map(rows.map((r) => [r.root, { count: Number(r.n), latestTs: Number(r.latest) }]));
}
