import { getDb, type Db } from "@/lib/db";
import { getEventAuth } from "@/lib/federation/client/endpoints";
import { archiveUserId } from "@/lib/federation/inbound/queries";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { leaveAfterPurge, purgeRoomInTx, type StopArchivingOptions, type VisibilityChange } from "@/lib/federation/purge-room";
import { isServerAllowedByAcl, parseServerAcl } from "@/lib/federation/server-acl";
import { serverOfId } from "@/lib/federation/server-name";
import { toTimelineInput } from "@/lib/federation/store-events";
import { verifyBatch, type BatchVerification } from "@/lib/federation/verify-batch";
import { BatchAuthorizer, type Candidate, type Verdict } from "@/lib/ingest/authorize";
import { cachesFor } from "@/lib/ingest/caches";
import {
  advanceExtremities,
  pruneExtremities,
  recomputeCurrentState,
  resetExtremities,
  summarizeCurrentState,
  type RoomStateSummary,
} from "@/lib/ingest/current-state";
import { checkAwaitingEvents } from "@/lib/ingest/deferred-state";
import { loadKnownEvents, toAuthEvent } from "@/lib/ingest/known-events";
import { roomPolicy, senderDenied, serverDenied } from "@/lib/federation/policy";
import { loadStateGroup } from "@/lib/ingest/state-store";
import { logger } from "@/lib/log";
import { stateKeyOf, type StateMap } from "@/lib/matrix/auth/types";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import type { JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { redactEvent } from "@/lib/matrix/redaction";
import { getRoomVersion, toRoomVersion } from "@/lib/matrix/room-versions";
import { insertEventsInTx, noteRoomChanged, withRoomLock, type Arrival, type EventSource, type TimelineEventInput } from "@/lib/timeline";
import { Prisma } from "@/lib/generated/prisma/client";

// The one way into the store. Every arrival, from every source (live /send, the join,
// /backfill, forwards fill, a date jump, a gap fill, fetched auth events), goes through
// ingestPdus: policy (operator lists, server ACL), verification (format, event ID, signatures,
// hashes), authorization (auth events, state before, soft-fail: authorize.ts), storing and
// linearizing (lib/timeline), and the room's current state with what follows from it (summary,
// servers, consent: current-state.ts). docs/ingest.md describes it as a whole.

type PduStatus = "stored" | "duplicate" | "rejected" | "soft_failed" | "dropped" | "unavailable" | "refused";

interface PduOutcome {
  eventId: string | undefined;
  status: PduStatus;
  reason?: string;
}

export interface IngestInput {
  roomId: string;
  pdus: readonly JsonObject[];
  /**
   * `pdus` already verified: verifyBatch's result for them with this input's skipCountLimits and
   * expectedEventIds (a backfill verifies an answer as it arrives, while the previous batch is
   * stored). `pdus` are still the batch as it came (what a refusal counts).
   */
  verified?: BatchVerification;
  source: EventSource;
  arrival: Arrival;
  /** The server that sent the PDUs or answered the request for them. */
  origin?: string;
  /** When the PDUs were asked for by ID, the IDs they must have. */
  expectedEventIds?: ReadonlySet<string>;
  /** /backfill and similar answers are not held to the 20/10 prev/auth event limits. */
  skipCountLimits?: boolean;
  /** send_join: the state before our join event, as the resident server gave it. */
  givenStateBefore?: { eventId: string; stateEventIds: readonly string[] };
  /**
   * New events at the room's edge (pushed by /send, or fetched to close the hole before pushed
   * ones): checked against the current state (soft-fail), and they move the room's extremities.
   */
  edge?: boolean;
  /** Ask `origin` for auth events the archive lacks (default: yes when there is an origin). */
  fetchMissingAuth?: boolean;
  /** How a purge this batch causes leaves the room (tests). */
  stopOptions?: StopArchivingOptions;
}

export interface IngestReport {
  outcomes: PduOutcome[];
  /** Newly stored and placed, in placement order. */
  inserted: string[];
  duplicates: string[];
  rejected: number;
  softFailed: number;
  dropped: number;
  /** Could not be judged now (keys or auth events unavailable): not stored, may come again. */
  deferred: number;
  /** Stored events found rejected now that the history before them is known (denied in place). */
  deniedLater: string[];
  /** This batch ended the room's archiving (purged). */
  purged: boolean;
}

/** Auth chains fetched for one batch: at most this many /event_auth requests. */
const MAX_AUTH_FETCHES = 3;

function emptyReport(): IngestReport {
  return { outcomes: [], inserted: [], duplicates: [], rejected: 0, softFailed: 0, dropped: 0, deferred: 0, deniedLater: [], purged: false };
}

function refuseAll(report: IngestReport, pdus: readonly JsonObject[], reason: string): IngestReport {
  for (const _ of pdus) report.outcomes.push({ eventId: undefined, status: "refused", reason });
  return report;
}

const redactText = (pduJson: string, roomVersion: string): string => {
  const version = toRoomVersion(roomVersion);
  return canonicalJson(redactEvent(parseJsonObject(pduJson), version), version.canonicalJson);
};

export async function ingestPdus(input: IngestInput, db: Db = getDb()): Promise<IngestReport> {
  const report = emptyReport();
  const { roomId } = input;
  const room = await db.room.findUnique({ where: { roomId }, select: { roomVersion: true, status: true, canonicalAlias: true, serverAcl: true } });
  if (!room || room.status !== "joined") return refuseAll(report, input.pdus, "this server is not archiving that room");
  const policy = roomPolicy(roomId, [room.canonicalAlias]);
  if (!policy.allowed) return refuseAll(report, input.pdus, policy.reason);
  if (input.origin && serverDenied(input.origin)) return refuseAll(report, input.pdus, "the sending server is denied by the operator (SERVER_DENY)");
  const live = input.edge === true;
  if (input.source === "send" && input.origin && room.serverAcl !== null && !isServerAllowedByAcl(parseServerAcl(room.serverAcl), input.origin)) {
    return refuseAll(report, input.pdus, "the sending server is banned from this room (m.room.server_acl)");
  }
  const version = getRoomVersion(room.roomVersion);

  // Verification: format, event ID, signatures (a failure drops), content hash (a mismatch redacts).
  const verified =
    input.verified ??
    (await verifyBatch(input.pdus, room.roomVersion, { skipCountLimits: input.skipCountLimits, expectedEventIds: input.expectedEventIds, db }));
  for (const d of verified.dropped) report.outcomes.push({ eventId: d.eventId, status: "dropped", reason: `${d.code}: ${d.reason}` });
  report.dropped += verified.dropped.length;
  report.deferred += verified.deferred.length;
  for (const d of verified.deferred) report.outcomes.push({ eventId: undefined, status: "unavailable", reason: d.reason });

  const acl = room.serverAcl === null ? undefined : parseServerAcl(room.serverAcl);
  const candidates: Array<Candidate & { pdu: JsonObject; redacted: boolean }> = [];
  for (const a of verified.accepted) {
    const event = toAuthEvent(a.eventId, a.pdu, version);
    const wrongRoom = version.roomIdFromCreateEvent && event.type === "m.room.create" ? `!${a.eventId.slice(1)}` !== roomId : event.roomId !== roomId;
    const senderServer = serverOfId(event.sender);
    let refusal: string | undefined;
    if (wrongRoom) refusal = "the event belongs to another room";
    else if (senderDenied(event.sender)) refusal = "the sender's server is denied by the operator (SERVER_DENY)";
    else if (live && acl && senderServer && !isServerAllowedByAcl(acl, senderServer))
      refusal = "the sender's server is banned from this room (m.room.server_acl)";
    if (refusal) report.outcomes.push({ eventId: a.eventId, status: "refused", reason: refusal });
    else candidates.push({ eventId: a.eventId, event, pdu: a.pdu, redacted: a.redacted });
  }
  if (candidates.length === 0) return report;

  if (input.origin && input.fetchMissingAuth !== false) await fetchMissingAuthEvents(db, input, candidates, version);

  const caches = cachesFor(db);
  const afterCommit: Array<() => Promise<unknown>> = [];
  const verdicts = await withRoomLock(db, roomId, async (tx) => {
    // Re-read inside the lock: a purge that committed meanwhile must not get rows back.
    const locked = await tx.room.findUnique({ where: { roomId }, select: { status: true, currentStateGroup: true, servers: true } });
    if (!locked || locked.status !== "joined") return undefined;
    const stored = await loadKnownEvents(
      tx,
      caches.events,
      roomId,
      version,
      candidates.map((c) => c.eventId),
    );
    const fresh = candidates.filter((c) => !stored.has(c.eventId));
    for (const c of candidates) if (stored.has(c.eventId)) report.duplicates.push(c.eventId);
    const current = locked.currentStateGroup === null ? undefined : await loadStateGroup(tx, caches.groups, locked.currentStateGroup);
    const given = input.givenStateBefore
      ? { eventId: input.givenStateBefore.eventId, state: await stateFromIds(tx, input.givenStateBefore.stateEventIds, fresh) }
      : undefined;
    const authorizer = new BatchAuthorizer({ tx, caches, roomId, version, currentState: live ? current : undefined, givenStateBefore: given });
    const verdicts = await authorizer.authorize(fresh);

    const toStore: TimelineEventInput[] = [];
    for (const c of fresh) {
      const v = verdicts.get(c.eventId)!;
      if (v.kind === "unavailable") continue;
      const base = toTimelineInput(roomId, room.roomVersion, { status: "accepted", eventId: c.eventId, pdu: c.pdu, redacted: c.redacted });
      toStore.push(
        v.kind === "rejected"
          ? { ...base, rejectedReason: v.reason }
          : {
              ...base,
              softFailedReason: v.softFailed ?? null,
              stateGroup: v.stateAfter?.id ?? null,
              replacesState: v.replacesState ?? null,
              redactsAny: v.redactsAny,
            },
      );
    }
    const result = await insertEventsInTx(tx, { roomId, arrival: input.arrival, events: toStore, source: input.source, redact: redactText });
    report.inserted.push(...result.inserted);

    // Live arrivals (and the join) move the room's edge; history from fills lies behind it.
    const moved = fresh.filter((c) => {
      const v = verdicts.get(c.eventId)!;
      return v.kind === "accepted" && !v.softFailed && v.stateAfter !== undefined;
    });
    // A join's state and auth chain are history behind the edge: our join event alone is the edge.
    const joined = given && moved.some((c) => c.eventId === given.eventId) ? given.eventId : undefined;
    const edgeMoves = joined
      ? await resetExtremities(tx, roomId, joined)
      : live &&
        (await advanceExtremities(
          tx,
          roomId,
          moved.map((c) => ({ eventId: c.eventId, prevEvents: c.event.prevEvents })),
        ));

    const newlyKnown = fresh.filter((c) => {
      const v = verdicts.get(c.eventId)!;
      return v.kind === "accepted" && v.stateAfter !== undefined;
    });
    const deferred = await checkAwaitingEvents(
      tx,
      authorizer,
      roomId,
      version,
      newlyKnown.map((c) => c.eventId),
    );
    report.deniedLater.push(...deferred.denied);
    // Edge events whose state only now became known take their place at the edge, and an old
    // extremity that history now connects to newer events stops being one.
    const edgeCaughtUp = deferred.edge.length > 0 && (await advanceExtremities(tx, roomId, deferred.edge));
    const pruned = newlyKnown.length > 0 && (await pruneExtremities(tx, roomId));

    const ctx = { tx, caches, roomId, authorizer, ownUserId: archiveUserId(), ownServer: getOwnServerName() };
    const change =
      edgeMoves || edgeCaughtUp || pruned || locked.currentStateGroup === null ? await recomputeCurrentState(ctx, locked.currentStateGroup) : undefined;
    if (change) {
      const summary = await summarizeCurrentState(ctx, change.current.state);
      const ending = consentEnding(summary, ctx.ownUserId);
      if (ending) {
        const purged = await purgeRoomInTx(tx, roomId, ending);
        if (purged) {
          report.purged = true;
          const target = { roomId, roomVersion: room.roomVersion, servers: summary.servers.length > 0 ? summary.servers : locked.servers };
          afterCommit.push(() => leaveAfterPurge(db, target, ending, purged, input.stopOptions));
        }
      } else {
        await applySummary(tx, roomId, summary, change.current.id, locked.currentStateGroup === null);
      }
    }
    return verdicts;
  });
  if (!verdicts)
    return refuseAll(
      report,
      candidates.map((c) => c.pdu),
      "this server stopped archiving that room",
    );
  for (const task of afterCommit) await task();

  const inserted = new Set(report.inserted);
  for (const c of candidates) {
    const v: Verdict | undefined = verdicts.get(c.eventId);
    if (!v) report.outcomes.push({ eventId: c.eventId, status: "duplicate" });
    else if (v.kind === "unavailable") {
      report.deferred++;
      report.outcomes.push({ eventId: c.eventId, status: "unavailable", reason: v.reason });
    } else if (v.kind === "rejected") {
      report.rejected++;
      report.outcomes.push({ eventId: c.eventId, status: "rejected", reason: v.reason });
    } else if (v.softFailed) {
      report.softFailed++;
      report.outcomes.push({ eventId: c.eventId, status: "soft_failed", reason: v.softFailed });
    } else report.outcomes.push({ eventId: c.eventId, status: inserted.has(c.eventId) ? "stored" : "duplicate" });
  }
  const refusals = report.outcomes.filter((o) => o.status === "rejected" || o.status === "refused");
  if (refusals.length > 0) logger.info({ roomId, origin: input.origin, source: input.source, refusals: refusals.slice(0, 20) }, "PDUs rejected or refused");
  if (report.softFailed > 0)
    logger.info({ roomId, origin: input.origin, softFailed: report.softFailed }, "PDUs soft-failed (kept out of the room's state and view)");
  if (report.deniedLater.length > 0) logger.warn({ roomId, denied: report.deniedLater }, "stored events found rejected once their history was known");
  return report;
}

/** The state map a resident server gave as event IDs; each must be one of the batch's events or already stored. */
async function stateFromIds(tx: Prisma.TransactionClient, ids: readonly string[], batch: readonly Candidate[]): Promise<StateMap> {
  const inBatch = new Map(batch.map((c) => [c.eventId, c.event]));
  const state = new Map<string, string>();
  const storedRows = await tx.event.findMany({
    where: { eventId: { in: ids.filter((id) => !inBatch.has(id)) } },
    select: { eventId: true, type: true, stateKey: true },
  });
  const stored = new Map(storedRows.map((r) => [r.eventId, r]));
  for (const id of ids) {
    const e = inBatch.get(id);
    const s = stored.get(id);
    const type = e?.type ?? s?.type;
    const stateKey = e ? e.stateKey : (s?.stateKey ?? undefined);
    if (type !== undefined && stateKey !== undefined && stateKey !== null) state.set(stateKeyOf(type, stateKey), id);
  }
  return state;
}

/** Whether the resolved state ends the archiving: history no longer world_readable, or the archive kicked or banned. */
function consentEnding(summary: RoomStateSummary, ownUserId: string): VisibilityChange | undefined {
  const hv = summary.historyVisibilityEvent;
  if (summary.historyVisibility !== null && summary.historyVisibility !== "world_readable") {
    return {
      historyVisibility: summary.historyVisibility,
      eventId: hv?.eventId ?? "unknown",
      sender: hv?.sender ?? "unknown",
      originServerTs: hv?.originServerTs,
    };
  }
  if (summary.ownMembership === "leave" || summary.ownMembership === "ban") {
    return {
      historyVisibility: summary.historyVisibility ?? "world_readable",
      eventId: "membership",
      sender: ownUserId,
      originServerTs: undefined,
      reason: `the archive's membership (${ownUserId}) became ${summary.ownMembership} in the room's state`,
      // A room's admins removing the archive is their way of opting out.
      optOut: true,
    };
  }
  return undefined;
}

async function applySummary(tx: Prisma.TransactionClient, roomId: string, summary: RoomStateSummary, group: bigint, first: boolean): Promise<void> {
  const hv = summary.historyVisibilityEvent;
  const row = await tx.room.findUnique({ where: { roomId }, select: HEADER_FIELDS });
  const updated = await tx.room.update({
    where: { roomId },
    select: HEADER_FIELDS,
    data: {
      name: summary.name,
      topic: summary.topic,
      // Keep the alias the room was joined by when its state names none.
      canonicalAlias: summary.canonicalAlias ?? (first ? row?.canonicalAlias : null) ?? null,
      avatarUrl: summary.avatarUrl,
      joinRule: summary.joinRule,
      historyVisibility: summary.historyVisibility,
      ...(summary.historyVisibility === "world_readable" && (row?.historyVisibility !== "world_readable" || first) && hv
        ? { worldReadableBy: hv.sender, worldReadableSince: new Date(hv.originServerTs) }
        : {}),
      servers: summary.servers,
      serverAcl: summary.serverAcl === undefined ? Prisma.DbNull : (summary.serverAcl as Prisma.InputJsonValue),
      currentStateGroup: group,
    },
  });
  // Every day page shows the room's header and consent footer: a change there changes them all.
  if (!row || HEADER_KEYS.some((k) => String(row[k]) !== String(updated[k]))) await noteRoomChanged(tx, roomId);
}

// The room row's fields that pages show (header, consent footer, indexing).
const HEADER_FIELDS = {
  name: true,
  topic: true,
  canonicalAlias: true,
  avatarUrl: true,
  joinRule: true,
  historyVisibility: true,
  worldReadableBy: true,
  worldReadableSince: true,
} as const;
const HEADER_KEYS = Object.keys(HEADER_FIELDS) as (keyof typeof HEADER_FIELDS)[];

/**
 * Auth events the batch cites that the archive does not hold, fetched from the server that
 * sent the batch with /event_auth (the whole auth chain of an event) and ingested first, as
 * events found by ID. Bounded: a few requests per batch; what is still missing makes its
 * events unavailable (not stored), never rejected.
 */
async function fetchMissingAuthEvents(db: Db, input: IngestInput, candidates: readonly Candidate[], version: ReturnType<typeof getRoomVersion>): Promise<void> {
  const inBatch = new Set(candidates.map((c) => c.eventId));
  const cited = [...new Set(candidates.flatMap((c) => c.event.authEvents))].filter((id) => !inBatch.has(id));
  if (cited.length === 0) return;
  const known = await loadKnownEvents(db, cachesFor(db).events, input.roomId, version, cited);
  const missing = new Set(cited.filter((id) => !known.has(id)));
  if (missing.size === 0) return;
  const lacking = candidates.filter((c) => c.event.authEvents.some((id) => missing.has(id))).slice(0, MAX_AUTH_FETCHES);
  for (const c of lacking) {
    if (![...missing].some((id) => c.event.authEvents.includes(id))) continue;
    try {
      const chain = await getEventAuth(input.origin!, input.roomId, c.eventId);
      const sub = await ingestPdus(
        { roomId: input.roomId, pdus: chain, source: "event", arrival: { kind: "jump" }, origin: input.origin, skipCountLimits: true, fetchMissingAuth: false },
        db,
      );
      for (const o of sub.outcomes) if (o.eventId && (o.status === "stored" || o.status === "duplicate")) missing.delete(o.eventId);
    } catch (err) {
      logger.info({ roomId: input.roomId, origin: input.origin, eventId: c.eventId, err: (err as Error).message }, "could not fetch missing auth events");
    }
  }
}
