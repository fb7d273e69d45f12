import type { Db } from "@/lib/db";
import type { Tx } from "@/lib/timeline";
import type { IngestCaches } from "@/lib/ingest/caches";
import { splitStateKey, stateKeyOf, type StateMap } from "@/lib/matrix/auth/types";

// Room states, stored compactly: a state group is either a full snapshot or a delta over an
// earlier group, and groups never change once written. Thousands of events share one group
// (every message after a state change has the state of the change); a state event makes a
// one-row delta. Loading walks the deltas back to a snapshot, which is written at least every
// MAX_DELTA_DEPTH groups, and the result is cached (groups are immutable, see caches.ts).

const MAX_DELTA_DEPTH = 50;
export interface LoadedGroup {
  id: bigint;
  state: StateMap;
  deltaDepth: number;
}

interface GroupRow {
  id: bigint;
  prev_group: bigint | null;
  delta_depth: number;
  entries: Array<[string, string, string | null]> | null;
}

/** The state of a group. Throws when the group does not exist (a bug: groups are never deleted while referenced). */
export async function loadStateGroup(db: Db | Tx, cache: IngestCaches["groups"], id: bigint): Promise<LoadedGroup> {
  const hit = cache.get(id);
  if (hit) return hit;
  // The group and its chain of deltas back to its snapshot, in one query.
  const rows = await db.$queryRaw<GroupRow[]>`
    WITH RECURSIVE chain(id, prev_group, delta_depth, n) AS (
      SELECT id, prev_group, delta_depth, 0 FROM state_groups WHERE id = ${id}::bigint
      UNION ALL
      SELECT g.id, g.prev_group, g.delta_depth, c.n + 1 FROM state_groups g JOIN chain c ON g.id = c.prev_group
      WHERE c.n <= ${MAX_DELTA_DEPTH})
    SELECT c.id, c.prev_group, c.delta_depth,
      (SELECT json_agg(json_build_array(e.type, e.state_key, e.event_id)) FROM state_group_entries e WHERE e.group_id = c.id) AS entries
    FROM chain c ORDER BY c.n DESC`;
  const last = rows[rows.length - 1];
  if (!last || last.id !== id) throw new Error(`state group ${id} does not exist`);
  if (rows[0]!.prev_group !== null) throw new Error(`state group ${id} has a delta chain longer than ${MAX_DELTA_DEPTH}`);
  const state = new Map<string, string>();
  for (const row of rows) {
    for (const [type, stateKey, eventId] of row.entries ?? []) {
      const key = stateKeyOf(type, stateKey);
      if (eventId === null) state.delete(key);
      else state.set(key, eventId);
    }
  }
  const group = { id, state, deltaDepth: last.delta_depth };
  cache.set(id, group);
  return group;
}

/**
 * Stores a state and returns its group: the base group itself when nothing differs, else a
 * delta over `base` (or a snapshot when there is no base or its chain is long).
 */
export async function saveStateGroup(
  tx: Tx,
  cache: IngestCaches["groups"],
  roomId: string,
  state: StateMap,
  base: LoadedGroup | undefined,
): Promise<LoadedGroup> {
  let entries: Array<[string, string | null]>;
  let prevGroup: bigint | null = null;
  let deltaDepth = 0;
  if (base && base.deltaDepth < MAX_DELTA_DEPTH) {
    entries = [];
    for (const [key, eventId] of state) if (base.state.get(key) !== eventId) entries.push([key, eventId]);
    for (const key of base.state.keys()) if (!state.has(key)) entries.push([key, null]);
    if (entries.length === 0) return base;
    prevGroup = base.id;
    deltaDepth = base.deltaDepth + 1;
  } else {
    if (base && sameState(base.state, state)) return base;
    entries = [...state];
  }
  const created = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO state_groups (room_id, prev_group, delta_depth) VALUES (${roomId}, ${prevGroup}, ${deltaDepth}) RETURNING id`;
  const id = created[0]!.id;
  if (entries.length > 0) {
    const split = entries.map(([key, eventId]) => [...splitStateKey(key), eventId] as const);
    await tx.$executeRaw`
      INSERT INTO state_group_entries (group_id, type, state_key, event_id)
      SELECT ${id}::bigint, t, k, e FROM unnest(${split.map((s) => s[0])}::text[], ${split.map((s) => s[1])}::text[], ${split.map((s) => s[2])}::text[]) AS u(t, k, e)`;
  }
  const group = { id, state: new Map(state), deltaDepth };
  // Safe to cache before the commit: sequences never hand out an ID twice, so a group of a
  // transaction that rolls back is merely never asked for.
  cache.set(id, group);
  return group;
}

export function sameState(a: StateMap, b: StateMap): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/** Deletes a room's state groups inside the caller's transaction (purges). */
export async function deleteRoomState(tx: Tx, roomId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM state_groups WHERE room_id = ${roomId}`;
  await tx.$executeRaw`DELETE FROM forward_extremities WHERE room_id = ${roomId}`;
}
