import { getDb, type Db } from "@/lib/db";
import { makeJoin, queryDirectory, sendJoin } from "@/lib/federation/client/endpoints";
import { FederationHttpError } from "@/lib/federation/client/request";
import { followUpgrade } from "@/lib/federation/follow-upgrade";
import { archiveUserId } from "@/lib/federation/inbound/queries";
import { buildMembershipEvent } from "@/lib/federation/membership-event";
import { serverOfId } from "@/lib/federation/server-name";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { leaveRoomOverFederation } from "@/lib/federation/leave-room";
import { getJobQueue } from "@/lib/jobs/queue";
import { logger } from "@/lib/log";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { roomPolicy, serverDenied } from "@/lib/federation/policy";
import { computeEventId } from "@/lib/matrix/event-id";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";

// Joining a room as the archive's user: resolve, make_join on a resident server, send_join v2,
// verify everything returned, and keep the room only if it is world_readable. From then on the
// resident servers push new PDUs to /send.

export type JoinResult =
  | { status: "joined"; roomId: string; roomVersion: string; servers: string[]; stored: number; dropped: number }
  | { status: "not_world_readable"; roomId: string; historyVisibility: string }
  /** The operator's lists or the room's opt-out forbid it: an answer, not a failure to retry. */
  | { status: "refused"; roomId: string; error: string }
  | { status: "failed"; roomId?: string; error: string };

export interface JoinOptions {
  /** Servers to try (a room ID has no reliable server of its own; v12 IDs have none). */
  via?: readonly string[];
  /**
   * Whether the room's backfill toward its creation is queued once joined (default). 0 (or
   * false) leaves the history to explicit fills: tests that need gaps, benchmarks that time one
   * backfill.
   */
  backfill?: number | boolean;
  db?: Db;
}

export async function joinRoom(roomIdOrAlias: string, options: JoinOptions = {}): Promise<JoinResult> {
  const db = options.db ?? getDb();
  let roomId = roomIdOrAlias;
  let servers = [...(options.via ?? [])];
  let alias: string | undefined;
  if (roomIdOrAlias.startsWith("#")) {
    alias = roomIdOrAlias;
    const aliasServer = serverOfId(alias);
    if (!aliasServer) return { status: "failed", error: `bad alias ${alias}` };
    try {
      const found = await queryDirectory(aliasServer, alias);
      roomId = found.room_id;
      servers = [...servers, ...found.servers, aliasServer];
    } catch (err) {
      return { status: "failed", error: `could not resolve ${alias}: ${(err as Error).message}` };
    }
  }
  const policy = roomPolicy(roomId, [alias]);
  if (!policy.allowed) return { status: "refused", roomId, error: policy.reason };
  const existing = await db.room.findUnique({ where: { roomId }, select: { stayOutReason: true } });
  if (existing?.stayOutReason)
    return {
      status: "refused",
      roomId,
      error: `the room is kept out of the archive (${existing.stayOutReason}); an operator readmits it with \`archive readmit\``,
    };
  const roomServer = serverOfId(roomId);
  if (roomServer) servers.push(roomServer); // v1–v11 only: a last resort
  servers = [...new Set(servers)].filter((s) => s !== getOwnServerName() && !serverDenied(s));
  if (servers.length === 0) return { status: "failed", roomId, error: "no server to join through" };

  const userId = archiveUserId();
  const errors: string[] = [];
  for (const server of servers) {
    try {
      const result = await joinVia(db, server, roomId, userId, servers, alias);
      if (result.status === "joined" && options.backfill !== 0 && options.backfill !== false) await queueBackfill(roomId);
      return result;
    } catch (err) {
      const message = err instanceof FederationHttpError ? err.message : (err as Error).message;
      errors.push(`${server}: ${message}`);
      logger.warn({ roomId, server, err: message }, "join attempt failed; trying another server");
    }
  }
  return { status: "failed", roomId, error: errors.join("; ") };
}

async function joinVia(db: Db, server: string, roomId: string, userId: string, candidates: string[], alias?: string): Promise<JoinResult> {
  const template = await makeJoin(server, roomId, userId, SUPPORTED_ROOM_VERSIONS);
  const roomVersion = template.room_version ?? "1";
  const { event, eventId } = buildMembershipEvent(template.event, { roomId, userId, membership: "join", roomVersion });
  const answer = await sendJoin(server, roomId, eventId, event);

  const create = answer.state.find((e) => e.type === "m.room.create" && e.state_key === "");
  const createVersion = create && isJsonObject(create.content) && typeof create.content.room_version === "string" ? create.content.room_version : "1";
  if (!create || createVersion !== roomVersion) throw new Error(`send_join state has no create event for room version ${roomVersion}`);

  const joinPdu = answer.event ?? event;
  const visibility = historyVisibilityOf(answer.state);
  if (visibility !== "world_readable") {
    // The server that let us in first, with no waits between rounds: the join call is waiting.
    const left = await leaveRoomOverFederation({ roomId, roomVersion, servers: [server, ...candidates] }, [0]);
    if (!left.left) logger.warn({ roomId, errors: left.errors }, "could not leave a room that is not world_readable");
    return { status: "not_world_readable", roomId, historyVisibility: visibility };
  }

  // The row first (the pipeline stores only into rooms the archive is in); its summary follows
  // from the resolved state once the join is stored.
  const servers = [...new Set([server, ...(answer.servers_in_room ?? []), ...candidates])].filter((s) => s !== getOwnServerName());
  const data = {
    roomVersion,
    canonicalAlias: alias ?? null,
    status: "joined",
    servers,
    joinedAt: new Date(),
    currentStateGroup: null,
    purgedAt: null,
    purgeReason: null,
  };
  await db.room.upsert({ where: { roomId }, create: { roomId, ...data }, update: data });
  const stateEventIds = answer.state.map((pdu) => eventIdOrUndefined(pdu, roomVersion)).filter((id): id is string => id !== undefined);
  const report = await ingestPdus(
    {
      roomId,
      pdus: [...answer.auth_chain, ...answer.state, joinPdu],
      source: "join",
      arrival: { kind: "live" },
      origin: server,
      skipCountLimits: true,
      givenStateBefore: { eventId, stateEventIds },
    },
    db,
  );
  const own = report.outcomes.find((o) => o.eventId === eventId);
  if (!own || (own.status !== "stored" && own.status !== "duplicate")) {
    await db.room.update({ where: { roomId }, data: { status: "left" } });
    throw new Error(`our own join event was not accepted as returned: ${own ? `${own.status}: ${own.reason ?? ""}` : "it did not verify"}`);
  }
  // Joined after the room was upgraded: its state holds the tombstone, and the archive follows it.
  await followUpgrade(db, roomId, report.inserted);
  const dropped = report.dropped + report.rejected;
  const row = await db.room.findUniqueOrThrow({ where: { roomId }, select: { servers: true } });
  logger.info({ roomId, server, stored: report.inserted.length, dropped }, "joined room");
  return { status: "joined", roomId, roomVersion, servers: row.servers, stored: report.inserted.length, dropped };
}

/**
 * The history visibility of the state a resident server gave: one m.room.history_visibility
 * with an empty state key, else "shared" (the spec's default). Several for one key is a forged
 * answer: not world_readable.
 */
function historyVisibilityOf(state: readonly JsonObject[]): string {
  const events = state.filter((e) => e.type === "m.room.history_visibility" && e.state_key === "");
  if (events.length !== 1) return events.length === 0 ? "shared" : "conflicting";
  const content = events[0]!.content;
  return isJsonObject(content) && typeof content.history_visibility === "string" ? content.history_visibility : "shared";
}

function eventIdOrUndefined(pdu: JsonObject, roomVersion: string): string | undefined {
  try {
    return computeEventId(pdu, roomVersion);
  } catch {
    return undefined;
  }
}

async function queueBackfill(roomId: string): Promise<void> {
  try {
    await (await getJobQueue()).enqueue("backfill", { roomId });
  } catch (err) {
    // The join stands; the history comes with the next catch-up or a reader's fill.
    logger.warn({ roomId, err: (err as Error).message }, "could not queue the backfill after joining");
  }
}
