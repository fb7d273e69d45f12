import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { serverOfId } from "@/lib/federation/server-name";

// The operator's rules, in one place, for every path: which rooms may be archived and served
// (ROOM_ALLOW, ROOM_DENY: room IDs or aliases), and which servers are refused outright
// (SERVER_DENY and `archive deny <server>`: as senders of events, as origins of requests, and as servers asked for history).

// What the operator denied with the CLI (`archive deny`), kept in the database
// (operator_denials) so that every process of a deployment honours it; each process reloads it
// every few seconds (startOperatorDenialsRefresh) and at once after its own change.
let operatorDenied = { rooms: new Set<string>(), servers: new Set<string>() };

const REFRESH_MS = 5_000;

export async function refreshOperatorDenials(db: Db): Promise<void> {
  const rows = await db.operatorDenial.findMany({ select: { kind: true, value: true } });
  operatorDenied = {
    rooms: new Set(rows.filter((r) => r.kind === "room").map((r) => r.value)),
    servers: new Set(rows.filter((r) => r.kind === "server").map((r) => r.value)),
  };
}

let refreshing: NodeJS.Timeout | undefined;

/** Loads the operator's denials now and keeps them fresh in this process. */
export async function startOperatorDenialsRefresh(db: Db): Promise<void> {
  await refreshOperatorDenials(db);
  if (refreshing) return;
  refreshing = setInterval(() => {
    refreshOperatorDenials(db).catch((err: unknown) => logger.warn({ err: (err as Error).message }, "could not reload the operator's denials"));
  }, REFRESH_MS);
  // A timer must not keep a process (or a test run) alive.
  refreshing.unref();
}

export type PolicyVerdict = { allowed: true } | { allowed: false; reason: string };

const ALLOWED: PolicyVerdict = { allowed: true };

/** May this room be archived and served? `aliases` are the names it is known by (canonical alias, the alias asked for). */
export function roomPolicy(roomId: string, aliases: ReadonlyArray<string | null | undefined> = []): PolicyVerdict {
  const env = getEnv();
  const names = [roomId, ...aliases.filter((a): a is string => typeof a === "string" && a !== "")];
  if (names.some((n) => env.ROOM_DENY.includes(n))) return { allowed: false, reason: "this room is denied by the operator (ROOM_DENY)" };
  if (names.some((n) => operatorDenied.rooms.has(n))) return { allowed: false, reason: "this room is denied by the operator (archive deny)" };
  if (env.ROOM_ALLOW.length > 0 && !names.some((n) => env.ROOM_ALLOW.includes(n))) {
    return { allowed: false, reason: "this room is not in the operator's ROOM_ALLOW list" };
  }
  return ALLOWED;
}

/** Is this server refused by the operator (SERVER_DENY)? Compares the server name exactly, port included. */
export function serverDenied(server: string): boolean {
  return getEnv().SERVER_DENY.includes(server) || operatorDenied.servers.has(server);
}

/** Is the server of this user or event ID refused? IDs without a server part (v12 room IDs) are not. */
export function senderDenied(id: string): boolean {
  const server = serverOfId(id);
  return server !== undefined && serverDenied(server);
}
