import { authEventTypes, authStateFromAuthEvents } from "@/lib/matrix/auth/auth-events";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import { mayRedact } from "@/lib/matrix/auth/redactions";
import { stateKeyOf, type AuthEvent, type AuthResult, type AuthState, type StateMap } from "@/lib/matrix/auth/types";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { tryResolveState } from "@/lib/matrix/state-res/resolve";
import type { IngestCaches } from "@/lib/ingest/caches";
import { loadKnownEvents, type KnownEvent } from "@/lib/ingest/known-events";
import { loadStateGroup, sameState, saveStateGroup, type LoadedGroup } from "@/lib/ingest/state-store";
import type { Tx } from "@/lib/timeline";

// The checks on receipt of a PDU (docs/ingest.md), for a batch of verified events of one room,
// inside the room's lock:
//   1. its auth events are known, not rejected, the right ones, and authorize it;
//   2. the state before it (the resolved states after its prev_events) authorizes it;
//   3. live arrivals only: the room's current state authorizes it, else it is soft-failed.
// Failing 1 or 2 rejects the event. When the state before an event cannot be known yet (its
// prev_events are not held: history still to be backfilled), 2 waits: the event is accepted on
// its auth events, with no state group, and checked again once its history arrives
// (deferred-state.ts), where a failure becomes a denial readers see.

export interface Candidate {
  eventId: string;
  event: AuthEvent;
}

export type Verdict =
  | {
      kind: "accepted";
      /** State after the event; undefined while the state before it is unknown. */
      stateAfter: LoadedGroup | undefined;
      replacesState: string | undefined;
      redactsAny: boolean;
      softFailed: string | undefined;
    }
  | { kind: "rejected"; reason: string }
  /** Could not be judged (auth events not held): not stored, so a later arrival decides. */
  | { kind: "unavailable"; reason: string };

export interface AuthorizeContext {
  tx: Tx;
  caches: IngestCaches;
  roomId: string;
  version: RoomVersion;
  /** Soft-fail against this state (live arrivals). */
  currentState: LoadedGroup | undefined;
  /** The state before one event as a resident server gave it (send_join: the state before our join). */
  givenStateBefore?: { eventId: string; state: StateMap };
}

/** The state before a create event; never stored. */
const EMPTY: LoadedGroup = { id: -1n, state: new Map(), deltaDepth: 0 };

/** Resolution reads whole auth chains; bound the rounds that load them. */
const MAX_LOAD_ROUNDS = 8;

function describe(result: AuthResult): string {
  return result.allowed ? "allowed" : `rule ${result.rule}: ${result.reason}`;
}

export class BatchAuthorizer {
  /** Events this batch may read: the candidates and what the store holds. */
  private readonly known = new Map<string, KnownEvent>();
  private readonly verdicts = new Map<string, Verdict>();

  constructor(private readonly ctx: AuthorizeContext) {}

  lookup = (id: string): AuthEvent | undefined => {
    const k = this.known.get(id);
    return k && !k.rejected && !k.denied ? k.event : undefined;
  };

  async load(ids: Iterable<string>): Promise<void> {
    const wanted = [...ids].filter((id) => !this.known.has(id));
    if (wanted.length === 0) return;
    const { tx, caches, roomId, version } = this.ctx;
    for (const [id, k] of await loadKnownEvents(tx, caches.events, roomId, version, wanted)) this.known.set(id, k);
  }

  createEvent(): AuthEvent | undefined {
    if (this.ctx.version.roomIdFromCreateEvent) return this.lookup(`$${this.ctx.roomId.slice(1)}`);
    return undefined;
  }

  /** Judges the candidates in topological order (prev and auth edges inside the batch). */
  async authorize(candidates: readonly Candidate[]): Promise<Map<string, Verdict>> {
    const ordered = topologicalOrder(candidates);
    const outside = new Set<string>();
    for (const c of ordered) for (const id of [...c.event.authEvents, ...c.event.prevEvents]) outside.add(id);
    if (this.ctx.version.roomIdFromCreateEvent) outside.add(`$${this.ctx.roomId.slice(1)}`);
    for (const c of ordered) outside.delete(c.eventId);
    await this.load(outside);
    for (const c of ordered) {
      const verdict = await this.judge(c);
      this.verdicts.set(c.eventId, verdict);
      if (verdict.kind === "accepted") {
        this.known.set(c.eventId, {
          event: c.event,
          rejected: false,
          softFailed: !!verdict.softFailed,
          denied: false,
          stateGroup: verdict.stateAfter?.id ?? null,
        });
      } else if (verdict.kind === "rejected") {
        this.known.set(c.eventId, { event: c.event, rejected: true, softFailed: false, denied: false, stateGroup: null });
      }
    }
    return this.verdicts;
  }

  private async judge(c: Candidate): Promise<Verdict> {
    const { version } = this.ctx;
    const event = c.event;
    // 1. Auth events.
    const authEvents: AuthEvent[] = [];
    for (const id of event.authEvents) {
      const k = this.known.get(id);
      if (!k) return { kind: "unavailable", reason: `auth event ${id} is not known` };
      if (k.rejected || k.denied) return { kind: "rejected", reason: `auth event ${id} was rejected` };
      authEvents.push(k.event);
    }
    const create = event.type === "m.room.create" ? undefined : this.createEvent();
    if (version.roomIdFromCreateEvent && event.type !== "m.room.create" && !create) {
      return { kind: "unavailable", reason: "the room's create event is not known" };
    }
    const fromAuth = authStateFromAuthEvents(event, authEvents, version, create);
    if (!fromAuth.ok) return { kind: "rejected", reason: `auth events: rule ${fromAuth.rule}: ${fromAuth.reason}` };
    const byAuthEvents = checkAuthRules(event, fromAuth.state, version);
    if (!byAuthEvents.allowed) return { kind: "rejected", reason: `not allowed by its auth events: ${describe(byAuthEvents)}` };

    // 2. The state before the event.
    const byState = await this.checkStateBefore(c, create);
    if (byState.kind === "refused") return { kind: "rejected", reason: byState.reason };
    const { stateAfter, replacesState } = byState.kind === "allowed" ? byState : { stateAfter: undefined, replacesState: undefined };
    const ruling = byState.kind === "allowed" ? byState.ruling : fromAuth.state;

    // The redaction rules: applied to others' events only with the power to redact.
    const redactsAny = event.type === "m.room.redaction" ? mayRedact(event, undefined, ruling, version) : true;

    // 3. Soft failure against the current state: the room's state as it would be with this event's
    // branch merged (the current state resolved with the state before the event, when they
    // differ), as Synapse checks it. An event whose state before is not known yet is not judged
    // against a current state that may simply be behind (the archive missed the history).
    let softFailed: string | undefined;
    const current = this.ctx.currentState;
    if (current && byState.kind === "allowed" && this.ctx.givenStateBefore?.eventId !== c.eventId) {
      const merged =
        byState.before.id === current.id || sameState(byState.before.state, current.state)
          ? current.state
          : await this.resolve([current.state, byState.before.state]);
      const state = await this.authStateFrom(event, merged, create);
      const byCurrent = checkAuthRules(event, state, version);
      if (!byCurrent.allowed) softFailed = `not allowed by the room's current state: ${describe(byCurrent)}`;
    }
    return { kind: "accepted", stateAfter, replacesState, redactsAny, softFailed };
  }

  /**
   * Check 2 alone: whether the state before the event authorizes it, and the state after it.
   * `pending` while the state before cannot be known (its prev_events' states are not held).
   */
  async checkStateBefore(
    c: Candidate,
    create: AuthEvent | undefined = c.event.type === "m.room.create" ? undefined : this.createEvent(),
  ): Promise<
    | { kind: "allowed"; before: LoadedGroup; stateAfter: LoadedGroup; replacesState: string | undefined; ruling: AuthState }
    | { kind: "refused"; reason: string }
    | { kind: "pending" }
  > {
    const { version } = this.ctx;
    const event = c.event;
    const before = await this.stateBefore(c);
    if (!before) return { kind: "pending" };
    const state = await this.authStateFrom(event, before.state, create);
    const byState = checkAuthRules(event, state, version);
    if (!byState.allowed) return { kind: "refused", reason: `not allowed by the state before it: ${describe(byState)}` };
    if (event.stateKey === undefined) return { kind: "allowed", before, stateAfter: before, replacesState: undefined, ruling: state };
    const key = stateKeyOf(event.type, event.stateKey);
    const after = new Map(before.state);
    after.set(key, c.eventId);
    const stateAfter = await saveStateGroup(this.ctx.tx, this.ctx.caches.groups, this.ctx.roomId, after, before.id === EMPTY.id ? undefined : before);
    return { kind: "allowed", before, stateAfter, replacesState: before.state.get(key), ruling: state };
  }

  /** Records a verdict reached outside authorize() (deferred checks), so later reads see it. */
  remember(c: Candidate, stateGroup: bigint | null, rejected: boolean): void {
    this.known.set(c.eventId, { event: c.event, rejected: false, softFailed: false, denied: rejected, stateGroup });
  }

  /** The events of the pairs the auth rules read for `event`, taken from a room state. */
  private async authStateFrom(event: AuthEvent, state: StateMap, create: AuthEvent | undefined): Promise<AuthState> {
    const keys = authEventTypes(event, this.ctx.version);
    const ids = keys.map((k) => state.get(k)).filter((id): id is string => id !== undefined);
    await this.load(ids);
    const out = new Map<string, AuthEvent>();
    for (const key of keys) {
      const id = state.get(key);
      const e = id === undefined ? undefined : this.lookup(id);
      if (e) out.set(key, e);
    }
    if (create) out.set(stateKeyOf("m.room.create", ""), create);
    return out;
  }

  /** The state before a candidate, or undefined while it cannot be known. */
  private async stateBefore(c: Candidate): Promise<LoadedGroup | undefined> {
    const { tx, caches, roomId } = this.ctx;
    const given = this.ctx.givenStateBefore;
    if (given && given.eventId === c.eventId) return saveStateGroup(tx, caches.groups, roomId, given.state, undefined);
    if (c.event.type === "m.room.create" && c.event.prevEvents.length === 0) return EMPTY;
    const groups: LoadedGroup[] = [];
    for (const prev of c.event.prevEvents) {
      const k = this.known.get(prev);
      // Rejected prev_events take no part in the state (as Synapse does).
      if (k && (k.rejected || k.denied)) continue;
      if (!k || k.stateGroup === null) return undefined;
      groups.push(await loadStateGroup(tx, caches.groups, k.stateGroup));
    }
    const distinct = [...new Map(groups.map((g) => [g.id, g])).values()];
    if (distinct.length === 0) return undefined;
    if (distinct.length === 1) return distinct[0];
    const resolved = await this.resolve(distinct.map((g) => g.state));
    return saveStateGroup(tx, caches.groups, roomId, resolved, distinct[0]);
  }

  async resolve(stateSets: readonly StateMap[]): Promise<StateMap> {
    const input = { roomVersion: this.ctx.version, stateSets, getEvent: this.lookup, checkAuth: checkAuthRules, authEventTypes };
    // Resolve with what is held; load what the resolution read but lacked, and again, until it
    // lacked nothing (then the result is exact) or the rounds run out (events no one holds).
    let attempt = tryResolveState(input);
    for (let round = 0; round < MAX_LOAD_ROUNDS && attempt.missing.length > 0; round++) {
      const before = this.known.size;
      await this.load(attempt.missing);
      if (this.known.size === before) break;
      attempt = tryResolveState(input);
    }
    return attempt.state;
  }
}

/** Kahn's order over the batch's prev and auth edges; ties by depth, origin_server_ts, event ID. */
function topologicalOrder(candidates: readonly Candidate[]): Candidate[] {
  const byId = new Map(candidates.map((c) => [c.eventId, c]));
  const indegree = new Map<string, number>();
  const children = new Map<string, string[]>();
  for (const c of candidates) {
    const parents = new Set([...c.event.prevEvents, ...c.event.authEvents].filter((p) => byId.has(p) && p !== c.eventId));
    indegree.set(c.eventId, parents.size);
    for (const p of parents) children.set(p, [...(children.get(p) ?? []), c.eventId]);
  }
  const cmp = (a: Candidate, b: Candidate) =>
    a.event.depth - b.event.depth || a.event.originServerTs - b.event.originServerTs || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
  const ready = candidates.filter((c) => indegree.get(c.eventId) === 0).sort(cmp);
  const out: Candidate[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    out.push(next);
    const freed: Candidate[] = [];
    for (const child of children.get(next.eventId) ?? []) {
      const n = indegree.get(child)! - 1;
      indegree.set(child, n);
      if (n === 0) freed.push(byId.get(child)!);
    }
    if (freed.length > 0) {
      ready.push(...freed);
      ready.sort(cmp);
    }
  }
  // A cycle (only forged events can make one): what is left goes last, in tie-break order.
  if (out.length < candidates.length) out.push(...candidates.filter((c) => !out.includes(c)).sort(cmp));
  return out;
}
