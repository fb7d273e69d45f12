import { getEnv } from "@/lib/env";
import { makeLeave, sendLeave } from "@/lib/federation/client/endpoints";
import { archiveUserId } from "@/lib/federation/inbound/queries";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { buildMembershipEvent, TemplateError } from "@/lib/federation/membership-event";
import { logger } from "@/lib/log";

// Leaving a room over federation (make_leave, then send_leave v2 on the same resident server).
// Best effort with a fixed number of rounds over a few servers: callers purge first, so a leave
// that never succeeds only means resident servers keep pushing PDUs, which /send then refuses.

export interface LeaveTarget {
  roomId: string;
  roomVersion: string;
  /** Resident servers, most useful first. */
  servers: readonly string[];
}

export type LeaveOutcome = { left: true; server: string; eventId: string; attempts: number } | { left: false; attempts: number; errors: string[] };

export type LeaveRoomFn = (target: LeaveTarget) => Promise<LeaveOutcome>;

const MAX_SERVERS = 5;
/** Pause before each round; the signed client already retries timeouts and 5xx per request. */
const ROUND_DELAYS_MS = [0, 2_000, 10_000];

export async function leaveRoomOverFederation(target: LeaveTarget, roundDelaysMs: readonly number[] = ROUND_DELAYS_MS): Promise<LeaveOutcome> {
  const denied = new Set(getEnv().SERVER_DENY);
  const own = getOwnServerName();
  const candidates = [...new Set(target.servers)].filter((s) => s !== own && !denied.has(s)).slice(0, MAX_SERVERS);
  const userId = archiveUserId();
  const errors: string[] = [];
  // A server whose template fails our checks will not send a better one on the next round.
  const untrusted = new Set<string>();
  let attempts = 0;
  for (const delay of roundDelaysMs) {
    if (delay > 0) await sleep(delay);
    for (const server of candidates) {
      if (untrusted.has(server)) continue;
      attempts++;
      try {
        const eventId = await leaveVia(server, target, userId);
        return { left: true, server, eventId, attempts };
      } catch (err) {
        if (err instanceof TemplateError) untrusted.add(server);
        errors.push(`${server}: ${(err as Error).message}`);
        logger.warn({ roomId: target.roomId, server, attempt: attempts, err: (err as Error).message }, "leave attempt failed");
      }
    }
    if (untrusted.size === candidates.length) break;
  }
  return { left: false, attempts, errors };
}

async function leaveVia(server: string, target: LeaveTarget, userId: string): Promise<string> {
  const template = await makeLeave(server, target.roomId, userId);
  // The room version is known from the join; a template for another one is not for this room.
  if (template.room_version !== undefined && template.room_version !== target.roomVersion) {
    throw new TemplateError(`make_leave template is for room version ${template.room_version}, not ${target.roomVersion}`);
  }
  const { event, eventId } = buildMembershipEvent(template.event, { roomId: target.roomId, userId, membership: "leave", roomVersion: target.roomVersion });
  await sendLeave(server, target.roomId, eventId, event);
  return eventId;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
