import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { isServerAllowedByAcl, parseServerAcl } from "@/lib/federation/server-acl";
import type { BatchAuthorizer } from "@/lib/ingest/authorize";
import type { Db } from "@/lib/db";
import { cachesFor, type IngestCaches } from "@/lib/ingest/caches";
import { loadStateGroup, saveStateGroup, sameState, type LoadedGroup } from "@/lib/ingest/state-store";
import { describeOverruled } from "@/lib/ingest/overruled-text";
import { splitStateKey, stateKeyOf, type AuthEvent, type StateMap } from "@/lib/matrix/auth/types";
import type { JsonObject } from "@/lib/matrix/json-value";
import { denyEventInTx, type Tx } from "@/lib/timeline";

// The room's current state is the resolved state of its forward extremities (the accepted
// events no accepted event follows). It alone decides the room row's summary (name, topic,
// alias, avatar, join rule, history visibility, server ACL), the servers asked for history,
// and consent. When resolution leaves out a change readers already saw, that change is marked
// overruled in place and a denial item records it where the archive learned it.

export interface CurrentStateContext {
  tx: Tx;
  caches: IngestCaches;
  roomId: string;
  authorizer: BatchAuthorizer;
  /** The archive's own user in the room (its membership ending is a consent event). */
  ownUserId: string;
  ownServer: string;
}

export interface RoomStateSummary {
  name: string | null;
  topic: string | null;
  canonicalAlias: string | null;
  avatarUrl: string | null;
  joinRule: string | null;
  historyVisibility: string | null;
  /** The event that set the current history visibility. */
  historyVisibilityEvent: AuthEvent | undefined;
  /** Servers with joined members, most members first; never our own, a denied or an ACL'd one. */
  servers: string[];
  /** Our own membership (join, leave, ban, …), if the state has one. */
  ownMembership: string | undefined;
  /** Content of the state's m.room.server_acl, if it has one. */
  serverAcl: JsonObject | undefined;
}

/** Soft-failed or rejected events walked back through when an event replaces its prev events. */
const MAX_UNACCEPTED_WALK = 100;

/** Accepted live events move the extremities: each replaces its prev_events. Returns whether they changed. */
export async function advanceExtremities(tx: Tx, roomId: string, events: ReadonlyArray<{ eventId: string; prevEvents: readonly string[] }>): Promise<boolean> {
  if (events.length === 0) return false;
  const ids = events.map((e) => e.eventId);
  const replaced = [...new Set(events.flatMap((e) => e.prevEvents))];
  const tips = ids.filter((id) => !replaced.includes(id));
  // A prev event that was soft-failed or rejected never was an extremity: the events before it
  // were, and the new event replaces them too (walking back through such events, bounded).
  await tx.$executeRaw`
    WITH RECURSIVE walk(id, n) AS (
      SELECT id, 0 FROM unnest(${replaced}::text[]) AS u(id)
      UNION
      SELECT p.id, w.n + 1 FROM walk w
      JOIN events e ON e.event_id = w.id AND (e.soft_failed_reason IS NOT NULL OR e.rejected_reason IS NOT NULL)
      CROSS JOIN LATERAL unnest(e.prev_events) AS p(id)
      WHERE w.n < ${MAX_UNACCEPTED_WALK})
    DELETE FROM forward_extremities WHERE room_id = ${roomId} AND event_id IN (SELECT id FROM walk)`;
  if (tips.length > 0) {
    await tx.$executeRaw`
      INSERT INTO forward_extremities (room_id, event_id) SELECT ${roomId}, id FROM unnest(${tips}::text[]) AS u(id)
      ON CONFLICT DO NOTHING`;
  }
  return true;
}

/**
 * Moves the edge forward over history that now connects it to newer events: an extremity that
 * an accepted event with a known state follows is replaced by the newest accepted events that
 * descend from it (the leaves of the accepted part of the DAG after it). This is how a hole
 * between the old edge and events pushed after it, once filled, brings those events' state into
 * the current state. Returns whether the extremities changed.
 */
export async function pruneExtremities(tx: Tx, roomId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ event_id: string; leaf: boolean; extremity: boolean }[]>`
    WITH RECURSIVE walk(id) AS (
      SELECT event_id FROM forward_extremities WHERE room_id = ${roomId}
      UNION
      SELECT e.event_id FROM walk w
      JOIN events e ON e.prev_events @> ARRAY[w.id] AND e.room_id || '' = ${roomId}
      WHERE e.state_group IS NOT NULL AND e.rejected_reason IS NULL AND e.soft_failed_reason IS NULL AND e.denied_reason IS NULL)
    SELECT w.id AS event_id,
      NOT EXISTS (
        SELECT 1 FROM events e WHERE e.prev_events @> ARRAY[w.id] AND e.room_id || '' = ${roomId}
          AND e.state_group IS NOT NULL AND e.rejected_reason IS NULL AND e.soft_failed_reason IS NULL AND e.denied_reason IS NULL) AS leaf,
      EXISTS (SELECT 1 FROM forward_extremities f WHERE f.room_id = ${roomId} AND f.event_id = w.id) AS extremity
    FROM walk w`;
  const leaves = rows.filter((r) => r.leaf).map((r) => r.event_id);
  const replaced = rows.filter((r) => r.extremity && !r.leaf).map((r) => r.event_id);
  if (replaced.length === 0 || leaves.length === 0) return false;
  await tx.$executeRaw`DELETE FROM forward_extremities WHERE room_id = ${roomId} AND event_id = ANY(${replaced}::text[])`;
  await tx.$executeRaw`
    INSERT INTO forward_extremities (room_id, event_id) SELECT ${roomId}, id FROM unnest(${leaves}::text[]) AS u(id)
    ON CONFLICT DO NOTHING`;
  return true;
}

/** The room's edge is this one event (our join: everything before it is history). */
export async function resetExtremities(tx: Tx, roomId: string, eventId: string): Promise<boolean> {
  await tx.$executeRaw`DELETE FROM forward_extremities WHERE room_id = ${roomId}`;
  await tx.$executeRaw`INSERT INTO forward_extremities (room_id, event_id) VALUES (${roomId}, ${eventId})`;
  return true;
}

export interface CurrentStateChange {
  previous: StateMap;
  current: LoadedGroup;
}

/**
 * Resolves the states of the forward extremities; when that differs from the stored current
 * state, stores it, marks the changes it overrules, and returns both.
 */
export async function recomputeCurrentState(ctx: CurrentStateContext, previousGroup: bigint | null): Promise<CurrentStateChange | undefined> {
  const { tx, caches, roomId } = ctx;
  const rows = await tx.$queryRaw<{ state_group: bigint }[]>`
    SELECT DISTINCT e.state_group FROM forward_extremities f JOIN events e ON e.event_id = f.event_id
    WHERE f.room_id = ${roomId} AND e.state_group IS NOT NULL AND e.rejected_reason IS NULL AND e.denied_reason IS NULL`;
  if (rows.length === 0) return undefined;
  const groups = await Promise.all(rows.map((r) => loadStateGroup(tx, caches.groups, r.state_group)));
  const previous = previousGroup === null ? undefined : await loadStateGroup(tx, caches.groups, previousGroup);
  const resolved = groups.length === 1 ? groups[0]!.state : await ctx.authorizer.resolve(groups.map((g) => g.state));
  if (previous && sameState(previous.state, resolved)) return undefined;
  const current = groups.length === 1 ? groups[0]! : await saveStateGroup(tx, caches.groups, roomId, resolved, previous);
  if (previous) await markOverruled(ctx, previous.state, current.state);
  return { previous: previous?.state ?? new Map(), current };
}

/** The event IDs reachable from `eventId` by following replaces_state, nearest first (bounded). */
async function replacedChain(tx: Tx, eventId: string, limit: number): Promise<string[]> {
  const rows = await tx.$queryRaw<{ event_id: string }[]>`
    WITH RECURSIVE chain(event_id, n) AS (
      SELECT replaces_state, 1 FROM events WHERE event_id = ${eventId} AND replaces_state IS NOT NULL
      UNION ALL
      SELECT e.replaces_state, c.n + 1 FROM events e JOIN chain c ON e.event_id = c.event_id
      WHERE e.replaces_state IS NOT NULL AND c.n < ${limit})
    SELECT event_id FROM chain ORDER BY n`;
  return rows.map((r) => r.event_id);
}

const CHAIN_LIMIT = 500;

/**
 * A value that leaves the current state is either replaced (the new value descends from it: it
 * is in the new value's chain of replaced events) or overruled (resolution chose another
 * branch). Overruled changes stay where readers saw them, marked, with a denial item now.
 */
async function markOverruled(ctx: CurrentStateContext, before: StateMap, after: StateMap): Promise<void> {
  const { tx, roomId, authorizer } = ctx;
  for (const [key, oldId] of before) {
    const newId = after.get(key);
    if (newId === oldId) continue;
    if (newId !== undefined && (await replacedChain(tx, newId, CHAIN_LIMIT)).includes(oldId)) continue;
    await authorizer.load([oldId, ...(newId ? [newId] : [])]);
    const old = authorizer.lookup(oldId);
    if (!old) continue;
    const [type, stateKey] = splitStateKey(key);
    const reason = describeOverruled(old, newId === undefined ? undefined : authorizer.lookup(newId), type, stateKey);
    const { denied } = await denyEventInTx(tx, { roomId, eventId: oldId, reason, kind: "overruled" });
    if (denied) logger.warn({ roomId, eventId: oldId, type, stateKey, now: newId ?? null, reason }, "state resolution overruled a change readers saw");
  }
}

function str(event: AuthEvent | undefined, field: string): string | null {
  const value = event?.content[field];
  return typeof value === "string" ? value : null;
}

/** What the room row shows and what consent reads, from a resolved state. */
export async function summarizeCurrentState(ctx: CurrentStateContext, state: StateMap): Promise<RoomStateSummary> {
  const { authorizer } = ctx;
  const at = (type: string, stateKey = "") => state.get(stateKeyOf(type, stateKey));
  const singles = [
    "m.room.name",
    "m.room.topic",
    "m.room.canonical_alias",
    "m.room.avatar",
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.server_acl",
  ];
  const memberIds = [...state].filter(([key]) => key.startsWith("m.room.member\u0000")).map(([, id]) => id);
  await authorizer.load([...singles.map((t) => at(t)).filter((id): id is string => id !== undefined), ...memberIds]);
  const event = (type: string) => {
    const id = at(type);
    return id === undefined ? undefined : authorizer.lookup(id);
  };
  const visibility = event("m.room.history_visibility");
  const aclEvent = event("m.room.server_acl");
  const acl = aclEvent ? parseServerAcl(aclEvent.content) : undefined;
  const denied = new Set(getEnv().SERVER_DENY);
  const counts = new Map<string, number>();
  let ownMembership: string | undefined;
  for (const id of memberIds) {
    const member = authorizer.lookup(id);
    if (!member || member.stateKey === undefined) continue;
    const membership = str(member, "membership");
    if (member.stateKey === ctx.ownUserId) ownMembership = membership ?? undefined;
    if (membership !== "join") continue;
    const server = member.stateKey.slice(member.stateKey.indexOf(":") + 1);
    counts.set(server, (counts.get(server) ?? 0) + 1);
  }
  const servers = [...counts]
    .filter(([server]) => server !== ctx.ownServer && !denied.has(server) && (!acl || isServerAllowedByAcl(acl, server)))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([server]) => server);
  return {
    name: str(event("m.room.name"), "name"),
    topic: str(event("m.room.topic"), "topic"),
    canonicalAlias: str(event("m.room.canonical_alias"), "alias"),
    avatarUrl: str(event("m.room.avatar"), "url"),
    joinRule: str(event("m.room.join_rules"), "join_rule"),
    // A room whose state has no history visibility event is "shared" (the spec's default).
    historyVisibility: visibility ? (str(visibility, "history_visibility") ?? "shared") : null,
    historyVisibilityEvent: visibility,
    servers,
    ownMembership,
    serverAcl: aclEvent?.content,
  };
}

/** The room's resolved current state as (type, state key, event ID) rows, for operators and tests. */
export async function currentStateOf(db: Db, roomId: string): Promise<Array<{ type: string; stateKey: string; eventId: string }>> {
  const room = await db.room.findUnique({ where: { roomId }, select: { currentStateGroup: true } });
  if (!room || room.currentStateGroup === null) return [];
  const group = await loadStateGroup(db, cachesFor(db).groups, room.currentStateGroup);
  return [...group.state]
    .map(([key, eventId]) => {
      const [type, stateKey] = splitStateKey(key);
      return { type, stateKey, eventId };
    })
    .sort((a, b) => (a.type === b.type ? (a.stateKey < b.stateKey ? -1 : 1) : a.type < b.type ? -1 : 1));
}
