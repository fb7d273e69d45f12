import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { listArchivedRooms, type ArchivedRoomView } from "@/lib/archive/list-archived-rooms";
import { matrixToRoomLink } from "@/lib/render/matrix-to";
import { getPublicRooms } from "@/lib/federation/client/endpoints";
import { logger } from "@/lib/log";

// The home page directory: rooms the archive holds, and world-readable rooms that configured
// directory servers publish but the archive does not hold yet. Remote directories are asked
// with a short timeout and remembered for a while, so a slow server never slows the page much.

export interface RemoteRoomView {
  roomId: string;
  alias: string | null;
  name: string | null;
  topic: string | null;
  members: number;
  server: string;
  joinHref: string;
}

export interface DirectoryView {
  query: string;
  archived: ArchivedRoomView[];
  remote: RemoteRoomView[];
  /** Directory servers that did not answer this time. */
  unreachable: string[];
}

const REMOTE_TTL_MS = 10 * 60_000;
const REMOTE_WAIT_MS = 2_500;
const remoteCache = new Map<string, { until: number; rooms: RemoteRoomView[] }>();

async function remoteRooms(server: string): Promise<RemoteRoomView[]> {
  const cached = remoteCache.get(server);
  if (cached && cached.until > Date.now()) return cached.rooms;
  const answer = await getPublicRooms(server, { limit: 100 });
  const rooms = answer.chunk
    .filter((r) => r.world_readable)
    .map((r) => ({
      roomId: r.room_id,
      alias: r.canonical_alias ?? null,
      name: r.name ?? null,
      topic: r.topic ?? null,
      members: r.num_joined_members,
      server,
      joinHref: matrixToRoomLink(r.canonical_alias ?? r.room_id, r.canonical_alias ? [] : [server]),
    }));
  remoteCache.set(server, { until: Date.now() + REMOTE_TTL_MS, rooms });
  return rooms;
}

function matches(query: string, ...fields: Array<string | null>): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return fields.some((f) => f?.toLowerCase().includes(q));
}

export async function listDirectory(db: Db, rawQuery: string): Promise<DirectoryView> {
  const query = rawQuery.trim().slice(0, 100);
  const env = getEnv();
  const archived = (await listArchivedRooms(db)).filter((r) => matches(query, r.name, r.alias, r.topic, r.roomId));
  const held = new Set(archived.map((r) => r.roomId));
  // A room purged for no longer being world_readable may still be listed in a directory answer
  // cached from before; hide it until any such answer has expired.
  const recentlyPurged = await db.room.findMany({
    where: { status: "purged", purgedAt: { gt: new Date(Date.now() - REMOTE_TTL_MS) } },
    select: { roomId: true },
    take: 1_000,
  });
  for (const r of recentlyPurged) held.add(r.roomId);
  const unreachable: string[] = [];
  const remote: RemoteRoomView[] = [];
  await Promise.all(
    env.DIRECTORY_SERVERS.map(async (server) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const rooms = await Promise.race([
          remoteRooms(server),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("timed out")), REMOTE_WAIT_MS))),
        ]);
        remote.push(...rooms.filter((r) => !held.has(r.roomId) && !env.ROOM_DENY.includes(r.roomId) && matches(query, r.name, r.alias, r.topic)));
      } catch (err) {
        unreachable.push(server);
        logger.warn({ server, err: (err as Error).message }, "directory server did not answer");
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  remote.sort((a, b) => b.members - a.members || (a.roomId < b.roomId ? -1 : 1));
  return { query, archived, remote: remote.slice(0, 60), unreachable };
}
