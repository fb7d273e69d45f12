import type { Db } from "@/lib/db";
import { cachesFor } from "@/lib/ingest/caches";
import { loadKnownEvents } from "@/lib/ingest/known-events";
import { loadStateGroup } from "@/lib/ingest/state-store";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { getRoomVersion } from "@/lib/matrix/room-versions";

// Display names come from room state, as a client shows them: the sender's m.room.member event
// in the state the archive holds at the sender's last event among those given (so a user who
// later left keeps the name they wrote under), else in the room's resolved current state. Never
// "the newest member event": a forged, rejected or overruled one is in no resolved state.

const MAX_NAME = 100;
/** An mxc URI is a server name and a media ID; anything longer is not one worth parsing. */
const MAX_AVATAR = 600;

export async function displayNamesAt(db: Db, roomId: string, events: ReadonlyArray<{ eventId: string; sender: string }>): Promise<Map<string, string>> {
  return (await memberProfilesAt(db, roomId, events)).names;
}

/** Display names and avatars (`avatar_url`, an mxc URI as the member event has it) from the same member events. */
export interface MemberProfiles {
  names: Map<string, string>;
  avatars: Map<string, string>;
}

/** Names and avatars of the events' senders, from the member event displayNamesAt reads. */
export async function memberProfilesAt(db: Db, roomId: string, events: ReadonlyArray<{ eventId: string; sender: string }>): Promise<MemberProfiles> {
  const names = new Map<string, string>();
  const avatars = new Map<string, string>();
  if (events.length === 0) return { names, avatars };
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, currentStateGroup: true } });
  if (!room) return { names, avatars };
  if (room.currentStateGroup === null) return legacyProfiles(db, roomId, [...new Set(events.map((e) => e.sender))]);
  const caches = cachesFor(db);
  const rows = await db.event.findMany({ where: { eventId: { in: events.map((e) => e.eventId) }, roomId }, select: { eventId: true, stateGroup: true } });
  const groupOf = new Map(rows.map((r) => [r.eventId, r.stateGroup]));
  // Per sender, the state at their last event given (the caller's order), else the current state.
  const groupBySender = new Map<string, bigint>();
  for (const e of events) {
    const group = groupOf.get(e.eventId) ?? null;
    if (group !== null) groupBySender.set(e.sender, group);
    else if (!groupBySender.has(e.sender) && room.currentStateGroup !== null) groupBySender.set(e.sender, room.currentStateGroup);
  }
  const memberIds = new Map<string, string>();
  for (const [sender, group] of groupBySender) {
    const state = (await loadStateGroup(db, caches.groups, group)).state;
    const id = state.get(stateKeyOf("m.room.member", sender));
    if (id) memberIds.set(sender, id);
  }
  const members = await loadKnownEvents(db, caches.events, roomId, getRoomVersion(room.roomVersion), memberIds.values());
  for (const [sender, id] of memberIds) {
    const content = members.get(id)?.event.content;
    const name = content?.displayname;
    if (typeof name === "string" && name.trim()) names.set(sender, name.trim().slice(0, MAX_NAME));
    const avatar = content?.avatar_url;
    if (typeof avatar === "string" && avatar.length <= MAX_AVATAR) avatars.set(sender, avatar);
  }
  return { names, avatars };
}

/**
 * A room with no resolved state (stored before the archive kept state, or written by tests that
 * bypass the pipeline): each user's latest member event the archive accepted. Re-joining the
 * room gives it resolved state.
 */
async function legacyProfiles(db: Db, roomId: string, userIds: readonly string[]): Promise<MemberProfiles> {
  const rows = await db.$queryRaw<Array<{ userId: string; name: string | null; avatar: string | null }>>`
    SELECT DISTINCT ON (state_key) state_key AS "userId", (pdu::jsonb -> 'content' ->> 'displayname') AS name,
      (pdu::jsonb -> 'content' ->> 'avatar_url') AS avatar
    FROM events
    WHERE room_id = ${roomId} AND type = 'm.room.member' AND state_key = ANY(${[...userIds]}::text[]) AND NOT redacted
      AND rejected_reason IS NULL AND soft_failed_reason IS NULL AND denied_reason IS NULL AND overruled_reason IS NULL
    ORDER BY state_key, origin_server_ts DESC`;
  const names = new Map<string, string>();
  const avatars = new Map<string, string>();
  for (const r of rows) {
    if (r.name && r.name.trim()) names.set(r.userId, r.name.trim().slice(0, MAX_NAME));
    if (r.avatar && r.avatar.length <= MAX_AVATAR) avatars.set(r.userId, r.avatar);
  }
  return { names, avatars };
}
