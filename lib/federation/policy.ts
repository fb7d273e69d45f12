import { getEnv } from "@/lib/env";
import { serverOfId } from "@/lib/federation/server-name";

// The operator's rules, in one place, for every path: which rooms may be archived and served
// (ROOM_ALLOW, ROOM_DENY: room IDs or aliases), and which servers are refused outright
// (SERVER_DENY: as senders of events, as origins of requests, and as servers asked for history).

export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: PolicyVerdict = { allowed: true };

/** May this room be archived and served? `aliases` are the names it is known by (canonical alias, the alias asked for). */
export function roomPolicy(roomId: string, aliases: ReadonlyArray<string | null | undefined> = []): PolicyVerdict {
  const env = getEnv();
  const names = [roomId, ...aliases.filter((a): a is string => typeof a === "string" && a !== "")];
  if (names.some((n) => env.ROOM_DENY.includes(n))) return { allowed: false, reason: "this room is denied by the operator (ROOM_DENY)" };
  if (env.ROOM_ALLOW.length > 0 && !names.some((n) => env.ROOM_ALLOW.includes(n))) {
    return { allowed: false, reason: "this room is not in the operator's ROOM_ALLOW list" };
  }
  return ALLOWED;
}

/** Is this server refused by the operator (SERVER_DENY)? Compares the server name exactly, port included. */
export function serverDenied(server: string): boolean {
  return getEnv().SERVER_DENY.includes(server);
}

/** Is the server of this user or event ID refused? IDs without a server part (v12 room IDs) are not. */
export function senderDenied(id: string): boolean {
  const server = serverOfId(id);
  return server !== undefined && serverDenied(server);
}
