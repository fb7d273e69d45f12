/**
 * Random room sessions for the differential test (e2e/differential.spec.ts): from a seed, a plan
 * of membership, power and state changes and messages by users of 2–3 Synapse homeservers, with
 * one netsplit in the middle during which both sides change power and state; and a driver that
 * plays the plan against the test bed and records what Synapse accepted, refused or failed.
 *
 *   const plan = generateSession(seed, { homeservers: 3, operations: 40 });   // pure: same seed, same plan
 *   const session = await startSession(plan, bed.homeservers, { onRoomCreated: (roomId) => archive.admin("join", …) });
 *   const record = await session.run({ deadline: Date.now() + 90_000 });      // every op's outcome
 *   const views = await settle(session, { archiveServerName });               // heal, settle, read every view
 *
 * The plan is a pure function of the seed (mulberry32): the ops, actors, targets and values never
 * depend on Synapse's answers. The generator keeps an approximate model of the room (membership,
 * power, join rule, one copy per side during the split) only to make most ops plausible and some
 * deliberately not: an op Synapse refuses (403: the actor lacks power, is not joined, is banned…)
 * is recorded as refused and the session goes on. Those are the interesting cases.
 *
 * Invariants the plan keeps (see the spec for why): history_visibility stays world_readable (the
 * archive purges a room that stops being world readable), the archive's own membership is never
 * touched, and every server keeps one "anchor" user joined throughout (never leaves, never kicked
 * or banned) so that each server stays in the room and its /state and /messages can be compared.
 *
 * The netsplit (docs/testbed.md, "Contested power across a split"): before it the creator gives a user
 * of side B power; side B's server is stopped while side A acts (often demoting that user); side
 * A's servers are stopped (their queues toward B are lost), B starts and acts with the power it
 * still has on its side, B restarts (its queue is lost), A starts: heal. Both sides' events meet
 * only by catch-up (the newest event) and /get_missing_events or backfill, and state resolution
 * decides which side's power and state win.
 */
import { MatrixApiError } from "./http";
import type { Homeserver } from "./homeserver";
import type { MatrixEvent, MatrixUser } from "./matrix-client";

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: a small, fast, seedable 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    // Consecutive seeds give correlated first outputs in mulberry32: mix the seed first.
    let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.next = mulberry32((h ^ (h >>> 16)) >>> 0);
  }
  float(): number {
    return this.next();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as [T, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let r = this.next() * total;
    for (const [k, w] of entries) {
      r -= w;
      if (r < 0) return k;
    }
    return entries[entries.length - 1]![0];
  }
}

// ---------------------------------------------------------------------------------------------
// Plan

export type Phase = "before" | "split-a" | "split-b" | "after";

/** Index into SessionPlan.users. */
export type UserRef = number;

export type Op =
  | { kind: "message"; actor: UserRef; body: string }
  /** `count` messages in a row: more than /get_missing_events fetches (10) leaves a real hole. */
  | { kind: "burst"; actor: UserRef; count: number; prefix: string }
  | { kind: "join"; actor: UserRef }
  | { kind: "leave"; actor: UserRef }
  | { kind: "invite"; actor: UserRef; target: UserRef }
  | { kind: "kick"; actor: UserRef; target: UserRef }
  | { kind: "ban"; actor: UserRef; target: UserRef }
  | { kind: "unban"; actor: UserRef; target: UserRef }
  | { kind: "power"; actor: UserRef; target: UserRef; level: number }
  | { kind: "name"; actor: UserRef; name: string }
  | { kind: "topic"; actor: UserRef; topic: string }
  | { kind: "join_rules"; actor: UserRef; rule: "public" | "invite" };

export interface PlannedUser {
  /** Localpart stem (a run suffix is added at registration). */
  name: string;
  /** Index of the user's homeserver in the bed. */
  server: number;
  /** Joined from the start and never leaves, kicked or banned: keeps its server in the room. */
  anchor: boolean;
}

export interface Step {
  phase: Phase;
  op: Op;
}

export interface SessionPlan {
  seed: number;
  roomVersion: string;
  homeservers: number;
  users: PlannedUser[];
  /** Server indexes on each side of the split (the creator's server, 0, is on side A). */
  sideA: number[];
  sideB: number[];
  /** The side-B user the creator empowers before the split (the contested power). */
  contested: UserRef;
  /** Level the contested user gets before the split (50 or 100). */
  contestedLevel: number;
  /**
   * The archive is cut off during the split too (its TLS front closed) and meets both sides'
   * events only by catch-up, /get_missing_events and backfill; otherwise it stays reachable from
   * both sides and receives every event live.
   */
  archiveCutOff: boolean;
  steps: Step[];
}

export interface GenerateOptions {
  /** 2 or 3. */
  homeservers: number;
  /** Operations in all (default 40). */
  operations?: number;
  /** Room versions to draw from (default: 1, the v2 family, 12: the three state resolutions). */
  roomVersions?: readonly string[];
}

const ANCHOR_NAMES = ["alice", "bob", "carol"];
const ACTOR_NAMES = ["dave", "erin", "frank"];
const DEFAULT_VERSIONS = ["1", "2", "6", "9", "10", "11", "11", "12", "12"];
const WORDS = ["plum", "kite", "moss", "fern", "tide", "loom", "quartz", "ember", "birch", "delta", "gale", "hazel"];

type Membership = "join" | "leave" | "invite" | "ban";

/** The generator's guess at the room: only for choosing plausible ops, never checked. */
interface Model {
  membership: Map<UserRef, Membership>;
  power: Map<UserRef, number>;
  joinRule: "public" | "invite";
}

function cloneModel(m: Model): Model {
  return { membership: new Map(m.membership), power: new Map(m.power), joinRule: m.joinRule };
}

/**
 * A session plan from a seed: pure and deterministic. Users: one anchor and one free actor per
 * server; user 0 (alice on hs1) creates the room.
 */
export function generateSession(seed: number, opts: GenerateOptions): SessionPlan {
  const rng = new Rng(seed);
  const n = opts.homeservers;
  if (n < 2 || n > 3) throw new Error(`generateSession: 2 or 3 homeservers, not ${n}`);
  const total = Math.max(8, opts.operations ?? 40);
  const roomVersion = rng.pick(opts.roomVersions ?? DEFAULT_VERSIONS);
  const users: PlannedUser[] = [];
  for (let s = 0; s < n; s++) users.push({ name: ANCHOR_NAMES[s]!, server: s, anchor: true });
  for (let s = 0; s < n; s++) users.push({ name: ACTOR_NAMES[s]!, server: s, anchor: false });
  const creator = 0;
  // v12: the creator's power is infinite and outside power_levels.users.
  const creatorLevel = roomVersion === "12" ? Number.POSITIVE_INFINITY : 100;

  const sideBServer = rng.int(1, n - 1);
  const sideB = [sideBServer];
  const sideA = Array.from({ length: n }, (_, i) => i).filter((i) => i !== sideBServer);
  const contested = rng.chance(0.7) ? sideBServer : n + sideBServer; // the anchor, or the actor
  const contestedLevel = rng.chance(0.5) ? 50 : 100;
  const archiveCutOff = rng.chance(0.5);

  const model: Model = { membership: new Map(), power: new Map([[creator, creatorLevel]]), joinRule: "public" };
  for (let s = 0; s < n; s++) model.membership.set(s, "join");

  const level = (m: Model, u: UserRef) => m.power.get(u) ?? 0;
  const isAnchor = (u: UserRef) => users[u]!.anchor;
  const all = users.map((_, i) => i);
  let counter = 0;
  const word = () => `${rng.pick(WORDS)}-${++counter}`;

  /** Predicted acceptance and effect of an op (Matrix auth rules, roughly; public_chat levels). */
  const apply = (m: Model, op: Op): boolean => {
    const a = op.actor;
    const joined = m.membership.get(a) === "join";
    const pl = level(m, a);
    switch (op.kind) {
      case "message":
      case "burst":
        return joined;
      case "join": {
        const cur = m.membership.get(a);
        if (cur === "ban") return false;
        if (cur !== "join" && cur !== "invite" && m.joinRule === "invite") return false;
        m.membership.set(a, "join");
        return true;
      }
      case "leave":
        if (!joined && m.membership.get(a) !== "invite") return false;
        m.membership.set(a, "leave");
        return true;
      case "invite": {
        const cur = m.membership.get(op.target);
        if (!joined || cur === "join" || cur === "ban") return false;
        m.membership.set(op.target, "invite");
        return true;
      }
      case "kick": {
        const cur = m.membership.get(op.target);
        if (!joined || pl < 50 || level(m, op.target) >= pl || (cur !== "join" && cur !== "invite")) return false;
        m.membership.set(op.target, "leave");
        return true;
      }
      case "ban":
        if (!joined || pl < 50 || level(m, op.target) >= pl) return false;
        m.membership.set(op.target, "ban");
        return true;
      case "unban":
        if (!joined || pl < 50 || level(m, op.target) >= pl || m.membership.get(op.target) !== "ban") return false;
        m.membership.set(op.target, "leave");
        return true;
      case "power": {
        const target = level(m, op.target);
        if (!joined || pl < 100 || op.level > pl || (op.target !== a && target >= pl)) return false;
        if (op.target === creator && creatorLevel === Number.POSITIVE_INFINITY) return false;
        m.power.set(op.target, op.level);
        return true;
      }
      case "name":
      case "topic":
        return joined && pl >= 50;
      case "join_rules":
        if (!joined || pl < 50) return false;
        m.joinRule = op.rule;
        return true;
    }
  };

  /** One random op by a user of `servers`, plausible with probability ~0.75. */
  const randomOp = (m: Model, servers: readonly number[], phase: Phase): Op => {
    const actors = all.filter((u) => servers.includes(users[u]!.server));
    // During the split, invites need the target's server up: only targets on the same side.
    const reachable = phase === "split-a" || phase === "split-b" ? actors : all;
    const targets = (u: UserRef) => reachable.filter((t) => t !== u && !isAnchor(t) && t !== creator);
    for (let attempt = 0; attempt < 12; attempt++) {
      const kind = rng.weighted({ message: 18, join: 10, leave: 5, invite: 7, kick: 6, ban: 5, unban: 4, power: 11, name: 6, topic: 6, join_rules: 5 });
      const actor = rng.pick(actors);
      let op: Op;
      switch (kind) {
        case "message":
          op = { kind, actor, body: `msg ${word()}` };
          break;
        case "join":
        case "leave":
          // Anchors stay joined: they neither leave nor re-join.
          if (isAnchor(actor)) continue;
          op = { kind, actor };
          break;
        case "invite":
        case "kick":
        case "ban":
        case "unban": {
          const ts = kind === "invite" ? reachable.filter((t) => t !== actor) : targets(actor);
          if (ts.length === 0) continue;
          op = { kind, actor, target: rng.pick(ts) };
          break;
        }
        case "power": {
          const target = rng.chance(0.15) ? actor : rng.pick(all.filter((t) => t !== actor));
          op = { kind, actor, target, level: rng.pick([0, 0, 50, 50, 100]) };
          break;
        }
        case "name":
          op = { kind, actor, name: `Room ${word()}` };
          break;
        case "topic":
          op = { kind, actor, topic: `Topic ${word()}` };
          break;
        case "join_rules":
          op = { kind, actor, rule: m.joinRule === "public" ? "invite" : "public" };
          break;
      }
      // Keep ~25% of ops that the model expects to be refused; retry the others.
      const probe = cloneModel(m);
      if (apply(probe, op) || rng.chance(0.25) || attempt === 11) {
        apply(m, op);
        return op;
      }
    }
    const actor = rng.pick(actors);
    return { kind: "message", actor, body: `msg ${word()}` };
  };

  const steps: Step[] = [];
  const push = (phase: Phase, m: Model, op: Op) => {
    apply(m, op);
    steps.push({ phase, op });
  };
  const allServers = Array.from({ length: n }, (_, i) => i);
  const nSplit = Math.max(3, Math.round(total * 0.15));
  const nBefore = Math.max(2, Math.round(total * 0.45)) - 2;
  const nAfter = Math.max(1, total - nBefore - 2 - 2 * nSplit);

  // Before: the actor of each server usually joins first, then random ops, then the creator
  // gives the contested side-B user power (joining it first if it is an actor).
  for (let s = 0; s < n && steps.length < nBefore; s++) if (rng.chance(0.8)) push("before", model, { kind: "join", actor: n + s });
  while (steps.length < nBefore) steps.push({ phase: "before", op: randomOp(model, allServers, "before") });
  if (!isAnchor(contested) && model.membership.get(contested) !== "join") {
    if (model.membership.get(contested) === "ban") push("before", model, { kind: "unban", actor: creator, target: contested });
    if (model.joinRule === "invite") push("before", model, { kind: "invite", actor: creator, target: contested });
    push("before", model, { kind: "join", actor: contested });
  }
  push("before", model, { kind: "power", actor: creator, target: contested, level: contestedLevel });

  // The split: both sides change power and state. Side A often demotes the contested user (the
  // contested-power recipe); side B uses the power it still has there.
  const a = cloneModel(model);
  const b = cloneModel(model);
  const splitA: Op[] = [];
  if (rng.chance(0.7)) splitA.push({ kind: "power", actor: creator, target: contested, level: 0 });
  else splitA.push({ kind: "power", actor: creator, target: rng.pick(all.filter((u) => u !== creator && !sideB.includes(users[u]!.server))), level: 50 });
  if (rng.chance(0.5)) splitA.push({ kind: "name", actor: creator, name: `Room A ${word()}` });
  for (const op of splitA) push("split-a", a, op);
  if (rng.chance(0.4)) push("split-a", a, { kind: "burst", actor: creator, count: rng.int(12, 18), prefix: `side A ${word()}` });
  while (steps.filter((s) => s.phase === "split-a").length < nSplit) steps.push({ phase: "split-a", op: randomOp(a, sideA, "split-a") });

  const contestedOps: Op[] = [
    { kind: "name", actor: contested, name: `Room B ${word()}` },
    { kind: "topic", actor: contested, topic: `Topic B ${word()}` },
    { kind: "join_rules", actor: contested, rule: b.joinRule === "public" ? "invite" : "public" },
    { kind: "kick", actor: contested, target: rng.pick(all.filter((u) => !isAnchor(u) && u !== contested)) },
    { kind: "ban", actor: contested, target: rng.pick(all.filter((u) => !isAnchor(u) && u !== contested)) },
    { kind: "power", actor: contested, target: rng.pick(all.filter((u) => u !== contested && u !== creator)), level: rng.pick([0, 50]) },
  ];
  const forcedB = 1 + rng.int(1, 2);
  for (let i = 0; i < forcedB; i++) {
    const op = rng.pick(contestedOps);
    if (op.kind === "join_rules") op.rule = b.joinRule === "public" ? "invite" : "public";
    push("split-b", b, op);
  }
  if (rng.chance(0.4)) push("split-b", b, { kind: "burst", actor: sideBServer, count: rng.int(12, 18), prefix: `side B ${word()}` });
  while (steps.filter((s) => s.phase === "split-b").length < nSplit) steps.push({ phase: "split-b", op: randomOp(b, sideB, "split-b") });

  // After the heal the model is a guess anyway (state resolution decides): side A's view.
  for (let i = 0; i < nAfter; i++) steps.push({ phase: "after", op: randomOp(a, allServers, "after") });
  return { seed, roomVersion, homeservers: n, users, sideA, sideB, contested, contestedLevel, archiveCutOff, steps };
}

// ---------------------------------------------------------------------------------------------
// Driver

export type Outcome = "ok" | "refused" | "error" | "skipped";

export interface OpResult {
  index: number;
  phase: Phase;
  op: Op;
  /** One line: `#12 [split-b] erin@hs2 kick dave@hs1 -> refused 403 M_FORBIDDEN`. */
  text: string;
  outcome: Outcome;
  /** The event the op made (the last one for a burst). */
  eventId?: string;
  /** Every event the op made (a burst makes several). */
  eventIds?: string[];
  status?: number;
  errcode?: string;
  error?: string;
  ms: number;
}

export interface SessionRecord {
  seed: number;
  roomId: string;
  roomVersion: string;
  results: OpResult[];
  /** Event IDs created during the split (either side), whose soft-fail verdict depends on arrival order. */
  splitEventIds: Set<string>;
  /** Every event ID the session's client calls returned, with the phase. */
  eventPhases: Map<string, Phase | "setup" | "settle">;
  /** Waits that ran out (propagation to a server or the archive), for the failure message. */
  notes: string[];
  timings: Record<string, number>;
}

export interface SessionHooks {
  /** Runs right after the room is created, before anyone else joins (the archive joins here). */
  onRoomCreated?: (roomId: string) => Promise<void>;
  /** True once the archive holds the event (any verdict); used to serialise ops outside the split. */
  archiveHolds?: (eventIds: readonly string[]) => Promise<boolean>;
  /** The archive's server name, for reset_connection after restarts. */
  archiveServerName?: string;
  /** Close and reopen the archive's federation listener (for plans with archiveCutOff). */
  cutArchive?: () => Promise<void>;
  restoreArchive?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface Session {
  plan: SessionPlan;
  roomId: string;
  /** Users as registered, in plan order. */
  clients: MatrixUser[];
  /** Each server's anchor (a server admin who sees soft-failed events in /messages if Synapse allows). */
  anchors: MatrixUser[];
  /** Whether each anchor's `return_soft_failed_events` admin config was accepted. */
  softFailedVisible: boolean[];
  record: SessionRecord;
  run(opts: { deadline: number }): Promise<SessionRecord>;
}

const PROPAGATION_MS = 10_000;
let runCounter = 0;

export function describeOp(plan: SessionPlan, op: Op, hsName: (i: number) => string = (i) => `hs${i + 1}`): string {
  const who = (u: UserRef) => `${plan.users[u]!.name}@${hsName(plan.users[u]!.server)}`;
  switch (op.kind) {
    case "message":
      return `${who(op.actor)} message "${op.body}"`;
    case "burst":
      return `${who(op.actor)} sends ${op.count} messages "${op.prefix} …"`;
    case "join":
    case "leave":
      return `${who(op.actor)} ${op.kind}`;
    case "invite":
    case "kick":
    case "ban":
    case "unban":
      return `${who(op.actor)} ${op.kind} ${who(op.target)}`;
    case "power":
      return `${who(op.actor)} sets power of ${who(op.target)} to ${op.level}`;
    case "name":
      return `${who(op.actor)} name "${op.name}"`;
    case "topic":
      return `${who(op.actor)} topic "${op.topic}"`;
    case "join_rules":
      return `${who(op.actor)} join_rules ${op.rule}`;
  }
}

const enc = encodeURIComponent;

/** Registers the plan's users, creates the room (the hook runs), joins the anchors. */
export async function startSession(plan: SessionPlan, homeservers: readonly Homeserver[], hooks: SessionHooks = {}): Promise<Session> {
  const log = hooks.log ?? (() => {});
  const t0 = Date.now();
  if (homeservers.length < plan.homeservers)
    throw new Error(`seed ${plan.seed}: the plan needs ${plan.homeservers} homeservers, the bed has ${homeservers.length}`);
  const hs = (i: number) => homeservers[i]!;
  await Promise.all(homeservers.map((h) => h.start()));
  const tag = `${plan.seed.toString(36)}x${++runCounter}`;
  const clients: MatrixUser[] = [];
  for (const u of plan.users) clients.push(await hs(u.server).registerUser(`${u.name}-${tag}`, { admin: u.anchor }));
  const anchors = plan.users.map((u, i) => (u.anchor ? clients[i]! : undefined)).filter((c): c is MatrixUser => !!c);
  // Synapse hides soft-failed events from /messages unless an admin asks for them
  // (docs/admin_api/client_server_api_extensions.md); then they carry
  // unsigned["io.element.synapse.soft_failed"].
  const softFailedVisible = await Promise.all(
    anchors.map((c) =>
      c
        .request("PUT", `/_matrix/client/v3/user/${enc(c.userId)}/account_data/io.element.synapse.admin_client_config`, { return_soft_failed_events: true })
        .then(() => true)
        .catch(() => false),
    ),
  );
  const creator = clients[0]!;
  const roomId = await creator.createRoom({ roomVersion: plan.roomVersion, name: `Differential ${plan.seed}`, topic: `seed ${plan.seed}` });
  const record: SessionRecord = {
    seed: plan.seed,
    roomId,
    roomVersion: plan.roomVersion,
    results: [],
    splitEventIds: new Set(),
    eventPhases: new Map(),
    notes: [],
    timings: {},
  };
  log(
    `seed ${plan.seed}: room ${roomId} (v${plan.roomVersion}) on ${hs(0).name}; side A ${plan.sideA.map((i) => hs(i).name).join("+")}, side B ${plan.sideB.map((i) => hs(i).name).join("+")}${plan.archiveCutOff ? "; the archive is cut off during the split" : ""}`,
  );
  await hooks.onRoomCreated?.(roomId);
  const via = homeservers.slice(0, plan.homeservers).map((h) => h.serverName);
  for (const anchor of anchors.slice(1)) {
    await anchor.joinRoom(roomId, { via });
    await creator.waitForJoined(roomId, anchor.userId);
  }
  record.timings.setupMs = Date.now() - t0;

  const session: Session = {
    plan,
    roomId,
    clients,
    anchors,
    softFailedVisible,
    record,
    run: (opts) => runPlan(session, homeservers, hooks, opts.deadline),
  };
  return session;
}

/** Waits (bounded) until every listed server's anchor, and the archive, hold the events. */
async function propagate(
  session: Session,
  servers: readonly number[],
  eventIds: readonly string[],
  hooks: SessionHooks,
  timeoutMs = PROPAGATION_MS,
): Promise<string | undefined> {
  if (eventIds.length === 0) return undefined;
  const deadline = Date.now() + timeoutMs;
  // What is still to arrive: (server, event) pairs, then the archive. A pair found stays found.
  const pending = new Map(servers.flatMap((s) => eventIds.map((id) => [`${id} on hs${s + 1}`, { s, id }] as const)));
  let archivePending = !!hooks.archiveHolds;
  let nextArchiveCheck = 0;
  for (let attempt = 0; attempt < 400 && Date.now() < deadline; attempt++) {
    for (const [label, { s, id }] of pending) {
      if (await session.anchors[s]!.getEvent(session.roomId, id).catch(() => undefined)) pending.delete(label);
    }
    // The archive's room report is heavier than Synapse's /event: ask it less often.
    if (pending.size === 0 && archivePending && Date.now() >= nextArchiveCheck) {
      archivePending = !(await hooks.archiveHolds!(eventIds).catch(() => false));
      nextArchiveCheck = Date.now() + 250;
    }
    if (pending.size === 0 && !archivePending) return undefined;
    await new Promise((r) => setTimeout(r, 100));
  }
  const missing = [...pending.keys(), ...(archivePending ? [`${eventIds.join(",")} in the archive`] : [])];
  return `not propagated within ${timeoutMs} ms: ${missing.join("; ")}`;
}

async function execute(session: Session, op: Op, via: readonly string[]): Promise<string | string[] | undefined> {
  const c = session.clients[op.actor]!;
  const room = enc(session.roomId);
  const target = "target" in op ? session.clients[op.target]!.userId : "";
  switch (op.kind) {
    case "message":
      return c.sendMessage(session.roomId, op.body);
    case "burst":
      return c.sendMessages(session.roomId, op.count, { concurrency: 1, prefix: op.prefix });
    case "join":
      await c.joinRoom(session.roomId, { via: [...via] });
      return memberEventId(c, session.roomId, c.userId);
    case "leave":
      await c.leaveRoom(session.roomId);
      return memberEventId(session.anchors[session.plan.users[op.actor]!.server]!, session.roomId, c.userId);
    case "invite":
    case "kick":
    case "ban":
    case "unban":
      await c.request("POST", `/_matrix/client/v3/rooms/${room}/${op.kind}`, {
        user_id: target,
        ...(op.kind === "invite" ? {} : { reason: "differential test" }),
      });
      return memberEventId(c, session.roomId, target);
    case "power": {
      const content = await c.request<Record<string, unknown>>("GET", `/_matrix/client/v3/rooms/${room}/state/m.room.power_levels/`);
      const users = { ...((content.users as Record<string, number> | undefined) ?? {}) };
      users[target] = op.level;
      return c.sendEvent(session.roomId, "m.room.power_levels", { ...content, users }, { stateKey: "" });
    }
    case "name":
      return c.sendEvent(session.roomId, "m.room.name", { name: op.name }, { stateKey: "" });
    case "topic":
      return c.sendEvent(session.roomId, "m.room.topic", { topic: op.topic }, { stateKey: "" });
    case "join_rules":
      return c.sendEvent(session.roomId, "m.room.join_rules", { join_rule: op.rule }, { stateKey: "" });
  }
}

/** The event ID of a user's current member event as `viewer`'s server has it. */
async function memberEventId(viewer: MatrixUser, roomId: string, userId: string): Promise<string | undefined> {
  const state = await viewer.request<MatrixEvent[]>("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`).catch(() => []);
  return state.find((e) => e.type === "m.room.member" && e.state_key === userId)?.event_id;
}

async function runPlan(session: Session, homeservers: readonly Homeserver[], hooks: SessionHooks, deadline: number): Promise<SessionRecord> {
  const { plan, record } = session;
  const log = hooks.log ?? (() => {});
  const hs = (i: number) => homeservers[i]!;
  const hsName = (i: number) => hs(i).name;
  const allServers = Array.from({ length: plan.homeservers }, (_, i) => i);
  const serverNames = allServers.map((i) => hs(i).serverName);
  let running = allServers;
  let archiveReachable = true;
  const t0 = Date.now();

  const step = async (index: number, s: Step) => {
    const text = `#${index} [${s.phase}] ${describeOp(plan, s.op, hsName)}`;
    const started = Date.now();
    if (Date.now() > deadline) {
      record.results.push({ index, phase: s.phase, op: s.op, text: `${text} -> skipped (run deadline)`, outcome: "skipped", ms: 0 });
      return;
    }
    const actorServer = plan.users[s.op.actor]!.server;
    const via = running.map((i) => serverNames[i]!).sort((x, y) => (x === serverNames[actorServer] ? -1 : y === serverNames[actorServer] ? 1 : 0));
    let result: OpResult;
    try {
      const made = await execute(session, s.op, via);
      const eventIds = made === undefined ? [] : typeof made === "string" ? [made] : made;
      const eventId = eventIds.at(-1);
      const shown = eventIds.length > 1 ? `${eventIds.length} events, the last ${eventId}` : (eventId ?? "(no event)");
      result = { index, phase: s.phase, op: s.op, text: `${text} -> ok ${shown}`, outcome: "ok", eventId, eventIds, ms: Date.now() - started };
    } catch (err) {
      const status = err instanceof MatrixApiError ? err.status : undefined;
      const errcode = err instanceof MatrixApiError ? err.errcode : undefined;
      const refused = status !== undefined && status >= 400 && status < 500;
      const message = (err as Error).message.slice(0, 300);
      result = {
        index,
        phase: s.phase,
        op: s.op,
        text: `${text} -> ${refused ? "refused" : "error"} ${status ?? ""} ${errcode ?? message}`.trimEnd(),
        outcome: refused ? "refused" : "error",
        status,
        errcode,
        error: message,
        ms: Date.now() - started,
      };
    }
    record.results.push(result);
    log(`seed ${plan.seed} ${result.text}`);
    const fresh = (result.eventIds ?? []).filter((id) => !record.eventPhases.has(id));
    if (fresh.length) {
      for (const id of fresh) {
        record.eventPhases.set(id, s.phase);
        if (s.phase === "split-a" || s.phase === "split-b") record.splitEventIds.add(id);
      }
      // Outside the split, each event reaches every server and the archive before the next op, so
      // soft-fail verdicts do not depend on a race between ops. During the split, only the
      // running side, and the archive unless it is cut off too.
      const late = await propagate(session, running, fresh, archiveReachable ? hooks : {});
      if (late) record.notes.push(`${text}: ${late}`);
    }
  };

  const phaseSteps = (phase: Phase) => plan.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.phase === phase);
  try {
    for (const { s, i } of phaseSteps("before")) await step(i, s);
    record.timings.beforeMs = Date.now() - t0;

    // Every server must have delivered to every other (and to the archive) once before the split:
    // Synapse only catches up a destination it has delivered to (last_successful_stream_ordering).
    const t1 = Date.now();
    for (const anchor of session.anchors) {
      const id = await anchor.sendMessage(session.roomId, `before the split, from ${anchor.host.name}`);
      record.eventPhases.set(id, "before");
      const late = await propagate(session, allServers, [id], hooks, 30_000);
      if (late) record.notes.push(`pre-split sync: ${late}`);
    }

    // Side A alone: B is stopped (and the archive cut off, if the plan says so).
    if (plan.archiveCutOff && hooks.cutArchive) {
      await hooks.cutArchive();
      archiveReachable = false;
    }
    await Promise.all(plan.sideB.map((i) => hs(i).stop()));
    running = plan.sideA;
    for (const { s, i } of phaseSteps("split-a")) await step(i, s);
    // A's servers go down: their queues toward B are lost with the process.
    await Promise.all(plan.sideA.map((i) => hs(i).stop()));
    // Side B alone.
    await Promise.all(plan.sideB.map((i) => hs(i).start()));
    running = plan.sideB;
    for (const { s, i } of phaseSteps("split-b")) await step(i, s);
    // B restarts alone: its queue toward A is lost; it comes back in catch-up mode.
    await Promise.all(plan.sideB.map((i) => hs(i).restart()));
    // Heal.
    await Promise.all(plan.sideA.map((i) => hs(i).start()));
    if (!archiveReachable && hooks.restoreArchive) {
      await hooks.restoreArchive();
      archiveReachable = true;
    }
    running = allServers;
    await resetAll(homeservers.slice(0, plan.homeservers), hooks.archiveServerName);
    record.timings.splitMs = Date.now() - t1;
    log(`seed ${plan.seed}: healed after ${(record.timings.splitMs / 1000).toFixed(1)} s of split`);

    // A first message from each side after the heal pulls the other side's events in
    // (catch-up sends the newest event, /get_missing_events the rest) before the random ops.
    await healMessages(session, homeservers, hooks, "after the heal", 60_000);

    const t2 = Date.now();
    for (const { s, i } of phaseSteps("after")) await step(i, s);
    record.timings.afterMs = Date.now() - t2;
  } finally {
    // Whatever happened, leave every server (and the archive's listener) up for the next run.
    await Promise.all(homeservers.map((h) => h.start()));
    if (!archiveReachable) await hooks.restoreArchive?.();
  }
  return record;
}

async function resetAll(homeservers: readonly Homeserver[], archiveServerName: string | undefined): Promise<void> {
  await Promise.all(
    homeservers.map(async (h) => {
      for (const dest of [...homeservers.filter((o) => o !== h).map((o) => o.serverName), ...(archiveServerName ? [archiveServerName] : [])]) {
        await h.resetConnection(dest).catch(() => false);
      }
    }),
  );
}

/** Each anchor sends one message, and waits (bounded, poking reset_connection) until all hold it. */
async function healMessages(session: Session, homeservers: readonly Homeserver[], hooks: SessionHooks, label: string, timeoutMs: number): Promise<void> {
  const servers = Array.from({ length: session.plan.homeservers }, (_, i) => i);
  for (const anchor of session.anchors) {
    const id = await anchor.sendMessage(session.roomId, `${label}, from ${anchor.host.name}`);
    session.record.eventPhases.set(id, "settle");
    const deadline = Date.now() + timeoutMs;
    let late: string | undefined = "not tried";
    for (let attempt = 0; attempt < 60 && Date.now() < deadline && late; attempt++) {
      late = await propagate(session, servers, [id], hooks, Math.min(5_000, Math.max(1, deadline - Date.now())));
      if (late) await resetAll(homeservers.slice(0, session.plan.homeservers), hooks.archiveServerName);
    }
    if (late) session.record.notes.push(`${label}: ${late}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Settling and reading every server's view

export interface StateEntry {
  type: string;
  stateKey: string;
  eventId: string;
}

export interface ServerView {
  server: string;
  name: string;
  /** GET /rooms/{id}/state: the resolved current state. */
  state: StateEntry[];
  /** /messages backwards to the start: what the server shows clients, newest first. */
  shown: string[];
  /** Events the server marks soft-failed (visible to the anchor only through the admin config). */
  softFailed: string[];
  /** Every event of the timeline (shown and soft-failed), by ID. */
  events: Map<string, MatrixEvent>;
}

const SOFT_FAILED = "io.element.synapse.soft_failed";

export async function readView(anchor: MatrixUser, roomId: string, maxPages = 50): Promise<ServerView> {
  const stateEvents = await anchor.request<MatrixEvent[]>("GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`);
  const state = stateEvents.map((e) => ({ type: e.type, stateKey: e.state_key ?? "", eventId: e.event_id ?? "" }));
  const shown: string[] = [];
  const softFailed: string[] = [];
  const events = new Map<string, MatrixEvent>();
  let from: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await anchor.messages(roomId, { dir: "b", limit: 100, from });
    for (const e of res.chunk) {
      if (!e.event_id || events.has(e.event_id)) continue;
      events.set(e.event_id, e);
      const unsigned = e.unsigned as Record<string, unknown> | undefined;
      (unsigned?.[SOFT_FAILED] ? softFailed : shown).push(e.event_id);
    }
    if (!res.end || res.chunk.length === 0) break;
    from = res.end;
  }
  return { server: anchor.host.serverName, name: anchor.host.name, state, shown, softFailed, events };
}

export const stateSetKey = (e: StateEntry) => `${e.type}\u0000${e.stateKey}\u0000${e.eventId}`;

export interface SettleResult {
  settled: boolean;
  /** Why not, when not: the servers' disagreement. */
  disagreement?: string;
  views: ServerView[];
  ms: number;
}

/**
 * Heals and lets federation settle: pokes reset_connection everywhere, has each anchor send a
 * message and waits until every server holds it, reads every timeline to the start (which makes
 * Synapse backfill holes), and waits until all servers agree on /state and on their latest shown
 * event, twice in a row. Bounded by `timeoutMs`.
 */
export async function settle(session: Session, homeservers: readonly Homeserver[], hooks: SessionHooks, timeoutMs = 90_000): Promise<SettleResult> {
  const t0 = Date.now();
  const deadline = t0 + timeoutMs;
  const bed = homeservers.slice(0, session.plan.homeservers);
  await Promise.all(bed.map((h) => h.start()));
  await resetAll(bed, hooks.archiveServerName);
  // Reading every timeline backwards makes each server backfill what it lacks.
  await Promise.all(session.anchors.map((a) => readView(a, session.roomId).catch(() => undefined)));
  await healMessages(session, homeservers, hooks, "settling", Math.max(5_000, (deadline - Date.now()) / 2));
  let agreedOnce = false;
  let disagreement = "not checked";
  let views: ServerView[] = [];
  for (let attempt = 0; attempt < 100 && Date.now() < deadline; attempt++) {
    views = await Promise.all(session.anchors.map((a) => readView(a, session.roomId)));
    disagreement = describeDisagreement(views);
    if (!disagreement) {
      if (agreedOnce) return { settled: true, views, ms: Date.now() - t0 };
      agreedOnce = true;
    } else {
      agreedOnce = false;
      await resetAll(bed, hooks.archiveServerName);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return { settled: false, disagreement, views, ms: Date.now() - t0 };
}

function describeDisagreement(views: readonly ServerView[]): string {
  const [first, ...rest] = views;
  if (!first) return "no views";
  const out: string[] = [];
  const firstState = new Set(first.state.map(stateSetKey));
  for (const v of rest) {
    const other = new Set(v.state.map(stateSetKey));
    const onlyFirst = [...firstState].filter((k) => !other.has(k));
    const onlyOther = [...other].filter((k) => !firstState.has(k));
    if (onlyFirst.length || onlyOther.length) {
      out.push(
        `/state ${first.name} vs ${v.name}: only ${first.name} ${JSON.stringify(onlyFirst.map(readable))}, only ${v.name} ${JSON.stringify(onlyOther.map(readable))}`,
      );
    }
    if (first.shown[0] !== v.shown[0]) out.push(`latest shown event: ${first.name} ${first.shown[0]}, ${v.name} ${v.shown[0]}`);
  }
  return out.join("\n");
}

const readable = (k: string) => k.replaceAll("\u0000", " | ");
