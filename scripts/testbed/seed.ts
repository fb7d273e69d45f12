import type { Homeserver } from "./homeserver";
import type { MatrixUser } from "./matrix-client";

export interface SeedOptions {
  /** Messages sent into each room (alternating between the users of the first two servers). */
  messagesPerRoom?: number;
  /** Room aliases created on the first server (`#<alias>:<hs1>`), all public and world_readable. */
  rooms?: string[];
}

export interface SeededRoom {
  roomId: string;
  alias: string;
  eventIds: string[];
}

export interface Seeded {
  /** One user per server: alice on hs1, bob on hs2, then user3… */
  users: MatrixUser[];
  rooms: SeededRoom[];
}

const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank"];

/**
 * Gives a fresh bed something to show: a user per server, public world_readable rooms on the
 * first server that everyone joins, and a conversation in each.
 */
export async function seed(homeservers: readonly Homeserver[], opts: SeedOptions = {}): Promise<Seeded> {
  const users = await Promise.all(homeservers.map((hs, i) => hs.registerUser(NAMES[i] ?? `user${i + 1}`, { password: "password" })));
  const [owner] = users;
  const first = homeservers[0];
  if (!owner || !first) return { users, rooms: [] };
  const rooms: SeededRoom[] = [];
  for (const alias of opts.rooms ?? ["lobby", "history"]) {
    const roomId = await owner.createRoom({ alias, name: alias[0]?.toUpperCase() + alias.slice(1), topic: `Seeded room ${alias}` });
    for (const user of users.slice(1)) {
      await user.joinRoom(roomId, { via: [first.serverName] });
      await owner.waitForJoined(roomId, user.userId);
    }
    const eventIds: string[] = [];
    const count = opts.messagesPerRoom ?? 20;
    for (let i = 0; i < count; i++) {
      const sender = users[i % Math.min(users.length, 2)] ?? owner;
      eventIds.push(await sender.sendMessage(roomId, `${alias} message ${i + 1} from ${sender.localpart}`));
    }
    rooms.push({ roomId, alias: `#${alias}:${first.serverName}`, eventIds });
  }
  return { users, rooms };
}
