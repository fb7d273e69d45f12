/**
 * Writes lib/matrix/__vectors__/state-res/*.json: the state resolution test vectors as explicit
 * DAGs (every event with its prev_events, auth_events, origin_server_ts and depth, the state sets
 * to resolve and the expected resolved state), from the case descriptions below.
 *
 * "simulate" cases are described the way Synapse's tests/state/test_v2.py describes them: a list
 * of events and chains of prev_events edges over a fixed room start (create, Alice joins, power
 * levels, public join rules, Bob, Charlie and Zara join, then START ... END). The events are
 * built in topological order (ties by node ID), each one's origin_server_ts one more than the
 * previous, its auth events picked from the state before it by the auth events selection, where
 * the state before an event with several prev events is their resolution. The vector's state
 * sets are the states after END's prev events. Expected states come from the cases' sources (a
 * list of changed pairs over the state at START, as Synapse writes them), never from this code:
 * the script refuses to write a vector that its resolution does not reproduce.
 *
 * "explicit" cases give the auth events and the state sets themselves (the v2.1 cases, after
 * Synapse's tests/state/test_v21.py and MSC4297).
 *
 *   npx tsx scripts/state-res-vectors.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { authEventTypes } from "@/lib/matrix/auth/auth-events";
import type { AuthEvent, StateMap } from "@/lib/matrix/auth/types";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import type { JsonObject } from "@/lib/matrix/json-value";
import { getRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";
import { resolveState } from "@/lib/matrix/state-res/resolve";

const ALICE = "@alice:example.com";
const BOB = "@bob:example.com";
const CHARLIE = "@charlie:example.com";
const EVELYN = "@evelyn:example.com";
const ZARA = "@zara:example.com";

interface NodeSpec {
  id: string;
  sender: string;
  type: string;
  stateKey?: string;
  content: JsonObject;
  /** Overrides the simulated origin_server_ts (tie-break cases). */
  ts?: number;
}

interface SimulateCase {
  mode: "simulate";
  name: string;
  source: string;
  roomVersion: string;
  events: NodeSpec[];
  edges: string[][];
  /** Node IDs of the pairs that changed since START (Synapse's `expected_state_ids`). */
  expected: string[];
  /** The same for the v2 algorithm on the same DAG (v1 cases that show where v1 differs). */
  expectedV2?: string[];
}

interface ExplicitNode extends NodeSpec {
  authEvents: string[];
  /** Default: the event listed before it (a linear history, so depths are honest). */
  prevEvents?: string[];
  /** Default: one more than the deepest prev event. */
  depth?: number;
}

interface ExplicitCase {
  mode: "explicit";
  name: string;
  source: string;
  roomVersion: string;
  events: ExplicitNode[];
  stateSets: string[][];
  expected: string[];
  /** What the v2 algorithm gives on the same DAG (the v2.1 cases show where they differ). */
  expectedV2?: string[];
}

/** [event_id, type, state_key, sender, origin_server_ts, content, auth_events, prev_events] */
type PduTuple = [string, string, string | null, string, number, JsonObject, string[], string[]];

/** Events given in full (Ruma's MSC4297 fixtures); depths are computed (honest: 1 + the deepest prev or auth event). */
interface PdusCase {
  mode: "pdus";
  name: string;
  source: string;
  roomVersion: string;
  roomId: string;
  pdus: PduTuple[];
  stateSets: string[][];
  expected: string[];
}

type CaseSpec = SimulateCase | ExplicitCase | PdusCase;

interface VectorEvent {
  event_id: string;
  room_id?: string;
  type: string;
  state_key?: string;
  sender: string;
  content: JsonObject;
  prev_events: string[];
  auth_events: string[];
  origin_server_ts: number;
  depth: number;
}

interface VectorCase {
  name: string;
  source: string;
  room_version: string;
  events: VectorEvent[];
  state_sets: string[][];
  expected: string[];
  expected_v2?: string[];
}

const join = { membership: "join" };
const INITIAL: NodeSpec[] = [
  { id: "CREATE", sender: ALICE, type: "m.room.create", stateKey: "", content: { creator: ALICE } },
  { id: "IMA", sender: ALICE, type: "m.room.member", stateKey: ALICE, content: join },
  { id: "IPOWER", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: { users: { [ALICE]: 100 } } },
  { id: "IJR", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "public" } },
  { id: "IMB", sender: BOB, type: "m.room.member", stateKey: BOB, content: join },
  { id: "IMC", sender: CHARLIE, type: "m.room.member", stateKey: CHARLIE, content: join },
  { id: "IMZ", sender: ZARA, type: "m.room.member", stateKey: ZARA, content: join },
  { id: "START", sender: ZARA, type: "m.room.message", content: {} },
  { id: "END", sender: ZARA, type: "m.room.message", content: {} },
];
const INITIAL_EDGES = ["START", "IMZ", "IMC", "IMB", "IJR", "IPOWER", "IMA", "CREATE"];

function toAuthEvent(event: VectorEvent): AuthEvent {
  return {
    eventId: event.event_id,
    roomId: event.room_id,
    type: event.type,
    stateKey: event.state_key,
    sender: event.sender,
    originServerTs: event.origin_server_ts,
    depth: event.depth,
    content: event.content,
    prevEvents: event.prev_events,
    authEvents: event.auth_events,
    redacts: undefined,
  };
}

function stateOf(ids: readonly string[], byId: ReadonlyMap<string, VectorEvent>): Map<string, string> {
  const state = new Map<string, string>();
  for (const id of ids) {
    const event = byId.get(id);
    if (event === undefined || event.state_key === undefined) throw new Error(`${id} is not a state event of the case`);
    state.set(stateKeyOf(event.type, event.state_key), id);
  }
  return state;
}

function resolveWith(version: RoomVersion, sets: readonly StateMap[], byId: ReadonlyMap<string, VectorEvent>): StateMap {
  const events = new Map([...byId].map(([id, e]) => [id, toAuthEvent(e)]));
  return resolveState({ roomVersion: version, stateSets: sets, getEvent: (id) => events.get(id) });
}

function sortedIds(state: StateMap): string[] {
  return [...state.values()].sort();
}

/** Topological order over prev edges (prevs first), ties by node ID, like Synapse's harness. */
function topologicalOrder(graph: Map<string, Set<string>>): string[] {
  const remaining = new Map([...graph].map(([id, prevs]) => [id, new Set(prevs)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, prevs]) => prevs.size === 0).map(([id]) => id);
    if (ready.length === 0) throw new Error("cycle");
    ready.sort();
    const next = ready[0] as string;
    order.push(next);
    remaining.delete(next);
    for (const prevs of remaining.values()) prevs.delete(next);
  }
  return order;
}

function simulate(spec: SimulateCase): VectorCase {
  const version = getRoomVersion(spec.roomVersion);
  const roomId = "!room:example.com";
  const eventId = (node: string) => `$${node}:example.com`;
  const nodes = new Map<string, NodeSpec>();
  const graph = new Map<string, Set<string>>();
  for (const node of [...INITIAL, ...spec.events]) {
    nodes.set(node.id, node);
    graph.set(node.id, new Set());
  }
  const addChain = (chain: readonly string[]) => {
    for (let i = 0; i + 1 < chain.length; i++) graph.get(chain[i] as string)?.add(chain[i + 1] as string);
  };
  addChain(INITIAL_EDGES);
  for (const chain of spec.edges) addChain(chain);

  const byId = new Map<string, VectorEvent>();
  const stateAfter = new Map<string, StateMap>();
  const order = topologicalOrder(graph);
  let ts = 0;
  let endSets: StateMap[] = [];
  for (const node of order) {
    const n = nodes.get(node) as NodeSpec;
    const prevs = [...(graph.get(node) as Set<string>)].sort();
    const prevStates = prevs.map((p) => stateAfter.get(p) as StateMap);
    const before: StateMap =
      prevStates.length === 0 ? new Map() : prevStates.length === 1 ? (prevStates[0] as StateMap) : resolveWith(version, prevStates, byId);
    if (node === "END") endSets = prevStates;
    const draft: VectorEvent = {
      event_id: eventId(node),
      room_id: roomId,
      type: n.type,
      ...(n.stateKey === undefined ? {} : { state_key: n.stateKey }),
      sender: n.sender,
      content: n.content,
      prev_events: prevs.map(eventId),
      auth_events: [],
      origin_server_ts: n.ts ?? ts,
      depth: 1 + Math.max(0, ...prevs.map((p) => byId.get(eventId(p))?.depth ?? 0)),
    };
    ts++;
    const authKeys = authEventTypes(toAuthEvent(draft), version);
    draft.auth_events = authKeys.map((key) => before.get(key)).filter((id): id is string => id !== undefined);
    byId.set(draft.event_id, draft);
    const after = new Map(before);
    if (n.stateKey !== undefined) after.set(stateKeyOf(n.type, n.stateKey), draft.event_id);
    stateAfter.set(node, after);
  }

  const start = stateAfter.get("START") as StateMap;
  const overStart = (nodes: readonly string[]): string[] => {
    const expected = new Map(start);
    for (const node of nodes) {
      const event = byId.get(eventId(node)) as VectorEvent;
      expected.set(stateKeyOf(event.type, event.state_key as string), event.event_id);
    }
    return sortedIds(expected);
  };
  return {
    name: spec.name,
    source: spec.source,
    room_version: spec.roomVersion,
    events: [...byId.values()],
    state_sets: endSets.map(sortedIds),
    expected: overStart(spec.expected),
    ...(spec.expectedV2 === undefined ? {} : { expected_v2: overStart(spec.expectedV2) }),
  };
}

function explicit(spec: ExplicitCase): VectorCase {
  const version = getRoomVersion(spec.roomVersion);
  const v12 = version.roomIdFromCreateEvent;
  const roomId = v12 ? "!CREATE" : "!room:example.com";
  const eventId = (node: string) => (v12 ? `$${node}` : `$${node}:example.com`);
  const byId = new Map<string, VectorEvent>();
  let ts = 0;
  let previous: string | undefined;
  for (const n of spec.events) {
    const prevs = (n.prevEvents ?? (previous === undefined ? [] : [previous])).map(eventId);
    previous = n.id;
    const isCreate = n.type === "m.room.create";
    byId.set(eventId(n.id), {
      event_id: eventId(n.id),
      ...(isCreate && v12 ? {} : { room_id: roomId }),
      type: n.type,
      ...(n.stateKey === undefined ? {} : { state_key: n.stateKey }),
      sender: n.sender,
      content: n.content,
      prev_events: prevs,
      auth_events: n.authEvents.map(eventId),
      origin_server_ts: n.ts ?? ++ts,
      depth: n.depth ?? 1 + Math.max(0, ...prevs.map((p) => byId.get(p)?.depth ?? 0)),
    });
  }
  return {
    name: spec.name,
    source: spec.source,
    room_version: spec.roomVersion,
    events: [...byId.values()],
    state_sets: spec.stateSets.map((set) => set.map(eventId).sort()),
    expected: spec.expected.map(eventId).sort(),
    ...(spec.expectedV2 === undefined ? {} : { expected_v2: spec.expectedV2.map(eventId).sort() }),
  };
}

function fromPdus(spec: PdusCase): VectorCase {
  const byId = new Map<string, VectorEvent>();
  for (const [id, type, stateKey, sender, ts, content, authEvents, prevEvents] of spec.pdus) {
    const isV12Create = type === "m.room.create" && getRoomVersion(spec.roomVersion).roomIdFromCreateEvent;
    byId.set(id, {
      event_id: id,
      ...(isV12Create ? {} : { room_id: spec.roomId }),
      type,
      ...(stateKey === null ? {} : { state_key: stateKey }),
      sender,
      content,
      prev_events: prevEvents,
      auth_events: authEvents,
      origin_server_ts: ts,
      depth: 1 + Math.max(0, ...[...prevEvents, ...authEvents].map((p) => byId.get(p)?.depth ?? 0)),
    });
  }
  return {
    name: spec.name,
    source: spec.source,
    room_version: spec.roomVersion,
    events: [...byId.values()],
    state_sets: spec.stateSets.map((set) => [...set].sort()),
    expected: [...spec.expected].sort(),
  };
}

/** Checks a vector against the resolution (and, with expected_v2, against v2 on the same DAG). */
function check(vector: VectorCase): void {
  const byId = new Map(vector.events.map((e) => [e.event_id, e]));
  const sets = vector.state_sets.map((ids) => stateOf(ids, byId));
  const version = getRoomVersion(vector.room_version);
  const got = sortedIds(resolveWith(version, sets, byId));
  if (JSON.stringify(got) !== JSON.stringify(vector.expected)) {
    throw new Error(`${vector.name}: resolved ${JSON.stringify(got)}, expected ${JSON.stringify(vector.expected)}`);
  }
  if (vector.expected_v2 !== undefined) {
    const v2 = sortedIds(resolveWith({ ...version, stateResolution: "v2" }, sets, byId));
    if (JSON.stringify(v2) !== JSON.stringify(vector.expected_v2)) {
      throw new Error(`${vector.name} (v2): resolved ${JSON.stringify(v2)}, expected ${JSON.stringify(vector.expected_v2)}`);
    }
  }
}

const pl = (users: Record<string, number>, extra: JsonObject = {}): JsonObject => ({ users, ...extra });
const SYNAPSE_V2 = "Synapse tests/state/test_v2.py";

const v2Cases: CaseSpec[] = [
  {
    mode: "simulate",
    name: "ban vs power levels",
    source: `${SYNAPSE_V2} test_ban_vs_pl: Alice bans Bob while Bob, on a fork, sends power levels; the ban wins`,
    roomVersion: "2",
    events: [
      { id: "PA", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "MA", sender: ALICE, type: "m.room.member", stateKey: ALICE, content: join },
      { id: "MB", sender: ALICE, type: "m.room.member", stateKey: BOB, content: { membership: "ban" } },
      { id: "PB", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
    ],
    edges: [
      ["END", "MB", "MA", "PA", "START"],
      ["END", "PB", "PA"],
    ],
    expected: ["PA", "MA", "MB"],
  },
  {
    mode: "simulate",
    name: "join rule evasion",
    source: `${SYNAPSE_V2} test_join_rule_evasion: Evelyn joins on a fork where Alice closes the room (join_rules content without a valid join_rule); the join is refused`,
    roomVersion: "2",
    events: [
      { id: "JR", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rules: "private" } },
      { id: "ME", sender: EVELYN, type: "m.room.member", stateKey: EVELYN, content: join },
    ],
    edges: [
      ["END", "JR", "START"],
      ["END", "ME", "START"],
    ],
    expected: ["JR"],
  },
  {
    mode: "simulate",
    name: "offtopic power levels",
    source: `${SYNAPSE_V2} test_offtopic_pl: a chain of power levels changes against one older power levels`,
    roomVersion: "2",
    events: [
      { id: "PA", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "PB", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }) },
      { id: "PC", sender: CHARLIE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 0 }) },
    ],
    edges: [
      ["END", "PC", "PB", "PA", "START"],
      ["END", "PA"],
    ],
    expected: ["PC"],
  },
  {
    mode: "simulate",
    name: "topic basic",
    source: `${SYNAPSE_V2} test_topic_basic: Alice demotes Bob while Bob sets the topic on a fork; Alice's topic stays`,
    roomVersion: "2",
    events: [
      { id: "T1", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T2", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA2", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 0 }) },
      { id: "PB", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T3", sender: BOB, type: "m.room.topic", stateKey: "", content: {} },
    ],
    edges: [
      ["END", "PA2", "T2", "PA1", "T1", "START"],
      ["END", "T3", "PB", "PA1"],
    ],
    expected: ["PA2", "T2"],
  },
  {
    mode: "simulate",
    name: "topic reset",
    source: `${SYNAPSE_V2} test_topic_reset: a topic set by Bob before his ban does not survive it`,
    roomVersion: "2",
    events: [
      { id: "T1", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T2", sender: BOB, type: "m.room.topic", stateKey: "", content: {} },
      { id: "MB", sender: ALICE, type: "m.room.member", stateKey: BOB, content: { membership: "ban" } },
    ],
    edges: [
      ["END", "MB", "T2", "PA", "T1", "START"],
      ["END", "T1"],
    ],
    expected: ["T1", "MB", "PA"],
  },
  {
    mode: "simulate",
    name: "topic",
    source: `${SYNAPSE_V2} test_topic: topic basic, then a merge (resolved as in topic basic) and Alice's newer topic on top`,
    roomVersion: "2",
    events: [
      { id: "T1", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T2", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA2", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 0 }) },
      { id: "PB", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T3", sender: BOB, type: "m.room.topic", stateKey: "", content: {} },
      { id: "MZ1", sender: ZARA, type: "m.room.message", content: {} },
      { id: "T4", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
    ],
    edges: [
      ["END", "T4", "MZ1", "PA2", "T2", "PA1", "T1", "START"],
      ["END", "MZ1", "T3", "PB", "PA1"],
    ],
    expected: ["T4", "PA2"],
  },
  {
    mode: "simulate",
    name: "mainline sort",
    source: `${SYNAPSE_V2} test_mainline_sort: T3 wins over the later T4 because T4 is based on an older power levels event`,
    roomVersion: "2",
    events: [
      { id: "T1", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      { id: "PA1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T2", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
      {
        id: "PA2",
        sender: ALICE,
        type: "m.room.power_levels",
        stateKey: "",
        content: pl({ [ALICE]: 100, [BOB]: 50 }, { events: { "m.room.power_levels": 100 } }),
      },
      { id: "PB", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "T3", sender: BOB, type: "m.room.topic", stateKey: "", content: {} },
      { id: "T4", sender: ALICE, type: "m.room.topic", stateKey: "", content: {} },
    ],
    edges: [
      ["END", "T3", "PA2", "T2", "PA1", "T1", "START"],
      ["END", "T4", "PB", "PA1"],
    ],
    expected: ["T3", "PA2"],
  },
  {
    mode: "simulate",
    name: "origin_server_ts tie-break",
    source:
      "derived (after Ruma's origin-server-ts-tiebreak fixture): two concurrent join rules by Alice with the same auth events; the one with the later origin_server_ts is applied last and wins, although its event ID sorts first",
    roomVersion: "2",
    events: [
      { id: "JRB", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" }, ts: 1000 },
      { id: "JRA", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "knock" }, ts: 1001 },
    ],
    edges: [
      ["END", "JRA", "START"],
      ["END", "JRB", "START"],
    ],
    expected: ["JRA"],
  },
  {
    mode: "simulate",
    name: "event_id tie-break",
    source:
      "derived: same sender power and origin_server_ts, so the event ID decides, in both orderings: of two join rules (reverse topological power ordering) and of two topics (mainline ordering) the greater ID is applied last and wins",
    roomVersion: "2",
    events: [
      { id: "JR1", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" }, ts: 1000 },
      { id: "JR2", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "public" }, ts: 1000 },
      { id: "TA", sender: ALICE, type: "m.room.topic", stateKey: "", content: { topic: "a" }, ts: 1000 },
      { id: "TB", sender: ALICE, type: "m.room.topic", stateKey: "", content: { topic: "b" }, ts: 1000 },
    ],
    edges: [
      ["END", "TB", "JR2", "START"],
      ["END", "TA", "JR1", "START"],
    ],
    expected: ["JR2", "TB"],
  },
  {
    mode: "simulate",
    name: "power ordering before timestamps",
    source:
      "derived: Alice (100) and Bob (50) change the join rules concurrently, Bob's first; Alice's sorts first by her sender power, so Bob's, applied after it, wins",
    roomVersion: "2",
    events: [
      {
        id: "PA",
        sender: ALICE,
        type: "m.room.power_levels",
        stateKey: "",
        content: pl({ [ALICE]: 100, [BOB]: 50 }, { events: { "m.room.join_rules": 50 } }),
      },
      { id: "JB", sender: BOB, type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" }, ts: 1000 },
      { id: "JA", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "knock" }, ts: 1001 },
    ],
    edges: [
      ["END", "JA", "PA", "START"],
      ["END", "JB", "PA"],
    ],
    expected: ["PA", "JB"],
  },
];

// Ruma's batch fixtures (crates/ruma-state-res/tests/it/resolve/fixtures, room version 10):
// resolved "atomically" as Ruma's test_resolve_batches does, every PDU in a state set of its
// own, so every pair is conflicted (the create event too); expected states from its snapshots,
// which its tests also check against resolving PDU by PDU along prev_events.
const RUMA_FIXTURES: Record<string, PduTuple[]> = {
  "ban-vs-power-levels-alice.json": [
    [
      "$00-m-room-member-ban-bob",
      "m.room.member",
      "@bob:example.com",
      "@alice:example.com",
      8,
      { membership: "ban" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice", "$00-m-room-member-join-bob"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "ban-vs-power-levels-bob.json": [
    [
      "$02-m-room-power_levels",
      "m.room.power_levels",
      "",
      "@bob:example.com",
      8,
      { users: { "@alice:example.com": 100, "@bob:example.com": 50 } },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "bootstrap-private-chat.json": [
    ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { creator: "@alice:example.com", room_version: "10" }, [], []],
    [
      "$00-m-room-member-join-alice",
      "m.room.member",
      "@alice:example.com",
      "@alice:example.com",
      1,
      { displayname: "alice", membership: "join" },
      ["$00-m-room-create"],
      ["$00-m-room-create"],
    ],
    [
      "$00-m-room-power_levels",
      "m.room.power_levels",
      "",
      "@alice:example.com",
      2,
      { users: { "@alice:example.com": 100 } },
      ["$00-m-room-create", "$00-m-room-member-join-alice"],
      ["$00-m-room-member-join-alice"],
    ],
    [
      "$00-m-room-join_rules",
      "m.room.join_rules",
      "",
      "@alice:example.com",
      3,
      { join_rule: "invite" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-power_levels"],
    ],
    [
      "$00-m-room-history_visibility",
      "m.room.history_visibility",
      "",
      "@alice:example.com",
      4,
      { history_visibility: "shared" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-join_rules"],
    ],
    [
      "$00-m-room-guest_access",
      "m.room.guest_access",
      "",
      "@alice:example.com",
      5,
      { guest_access: "can_join" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-history_visibility"],
    ],
  ],
  "bootstrap-public-chat.json": [
    ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { creator: "@alice:example.com", room_version: "10" }, [], []],
    [
      "$00-m-room-member-join-alice",
      "m.room.member",
      "@alice:example.com",
      "@alice:example.com",
      1,
      { displayname: "alice", membership: "join" },
      ["$00-m-room-create"],
      ["$00-m-room-create"],
    ],
    [
      "$00-m-room-power_levels",
      "m.room.power_levels",
      "",
      "@alice:example.com",
      2,
      { users: { "@alice:example.com": 100 } },
      ["$00-m-room-create", "$00-m-room-member-join-alice"],
      ["$00-m-room-member-join-alice"],
    ],
    [
      "$00-m-room-join_rules",
      "m.room.join_rules",
      "",
      "@alice:example.com",
      3,
      { join_rule: "public" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-power_levels"],
    ],
    [
      "$00-m-room-history_visibility",
      "m.room.history_visibility",
      "",
      "@alice:example.com",
      4,
      { history_visibility: "shared" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-join_rules"],
    ],
    [
      "$00-m-room-guest_access",
      "m.room.guest_access",
      "",
      "@alice:example.com",
      5,
      { guest_access: "forbidden" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-history_visibility"],
    ],
    [
      "$00-m-room-member-join-bob",
      "m.room.member",
      "@bob:example.com",
      "@bob:example.com",
      6,
      { displayname: "bob", membership: "join" },
      ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-join_rules"],
      ["$00-m-room-guest_access"],
    ],
    [
      "$01-m-room-power_levels",
      "m.room.power_levels",
      "",
      "@alice:example.com",
      7,
      { users: { "@alice:example.com": 100, "@bob:example.com": 50 } },
      ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$00-m-room-member-join-bob"],
    ],
  ],
  "concurrent-joins-charlie.json": [
    [
      "$00-m-room-member-join-charlie",
      "m.room.member",
      "@charlie:example.com",
      "@charlie:example.com",
      8,
      { displayname: "charlie", membership: "join" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-join_rules"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "concurrent-joins-ella.json": [
    [
      "$00-m-room-member-join-ella",
      "m.room.member",
      "@ella:example.com",
      "@ella:example.com",
      8,
      { displayname: "ella", membership: "join" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-join_rules"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "join-rules-vs-join-alice.json": [
    [
      "$01-m-room-join_rules",
      "m.room.join_rules",
      "",
      "@alice:example.com",
      9,
      { join_rule: "invite" },
      ["$00-m-room-create", "$02-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$02-m-room-power_levels"],
    ],
  ],
  "join-rules-vs-join-common.json": [
    [
      "$02-m-room-power_levels",
      "m.room.power_levels",
      "",
      "@bob:example.com",
      8,
      { users: { "@alice:example.com": 100, "@bob:example.com": 50 } },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "join-rules-vs-join-ella.json": [
    [
      "$00-m-room-member-join-ella",
      "m.room.member",
      "@ella:example.com",
      "@ella:example.com",
      9,
      { displayname: "ella", membership: "join" },
      ["$00-m-room-create", "$02-m-room-power_levels", "$00-m-room-join_rules"],
      ["$02-m-room-power_levels"],
    ],
  ],
  "origin-server-ts-tiebreak.json": [
    [
      "$02-m-room-join_rules",
      "m.room.join_rules",
      "",
      "@alice:example.com",
      6,
      { join_rule: "restricted", allow: [{ room_id: "!other:example.com", type: "m.room_membership" }] },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-guest_access"],
    ],
    [
      "$01-m-room-join_rules",
      "m.room.join_rules",
      "",
      "@alice:example.com",
      7,
      { join_rule: "public" },
      ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
      ["$00-m-room-guest_access"],
    ],
  ],
  "power-levels-admin-vs-mod-alice.json": [
    [
      "$02-m-room-power_levels-alice",
      "m.room.power_levels",
      "",
      "@alice:example.com",
      8,
      { users: { "@alice:example.com": 100, "@bob:example.com": 0 } },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "power-levels-admin-vs-mod-bob.json": [
    [
      "$02-m-room-power_levels-bob",
      "m.room.power_levels",
      "",
      "@bob:example.com",
      8,
      { users: { "@alice:example.com": 100, "@bob:example.com": 50 }, users_default: -1 },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "topic-vs-ban-alice.json": [
    [
      "$00-m-room-member-ban-bob",
      "m.room.member",
      "@bob:example.com",
      "@alice:example.com",
      8,
      { membership: "ban" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice", "$00-m-room-member-join-bob"],
      ["$00-m-room-topic"],
    ],
  ],
  "topic-vs-ban-bob.json": [
    [
      "$01-m-room-topic",
      "m.room.topic",
      "",
      "@bob:example.com",
      8,
      { topic: "Room managed by Bob" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
      ["$00-m-room-topic"],
    ],
  ],
  "topic-vs-ban-common.json": [
    [
      "$00-m-room-topic",
      "m.room.topic",
      "",
      "@alice:example.com",
      8,
      { topic: "Room toppic" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$01-m-room-power_levels"],
    ],
  ],
  "topic-vs-power-levels-alice.json": [
    [
      "$00-m-room-topic-alice",
      "m.room.topic",
      "",
      "@alice:example.com",
      8,
      { topic: "Room managed by Alice" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$01-m-room-power_levels"],
    ],
    [
      "$02-m-room-power_levels-alice",
      "m.room.power_levels",
      "",
      "@alice:example.com",
      9,
      { users: { "@alice:example.com": 100, "@bob:example.com": 0 } },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-alice"],
      ["$00-m-room-topic-alice"],
    ],
  ],
  "topic-vs-power-levels-bob.json": [
    [
      "$01-m-room-topic-bob",
      "m.room.topic",
      "",
      "@bob:example.com",
      8,
      { topic: "Room topic" },
      ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
      ["$01-m-room-power_levels"],
    ],
  ],
};
const RUMA_BATCH_TESTS: [name: string, files: string[], expected: string[]][] = [
  [
    "minimal_private_chat",
    ["bootstrap-private-chat.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-join-alice",
      "$00-m-room-power_levels",
    ],
  ],
  [
    "minimal_public_chat",
    ["bootstrap-public-chat.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-join-alice",
      "$00-m-room-member-join-bob",
      "$01-m-room-power_levels",
    ],
  ],
  [
    "origin_server_ts_tiebreak",
    ["bootstrap-private-chat.json", "origin-server-ts-tiebreak.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-member-join-alice",
      "$00-m-room-power_levels",
      "$01-m-room-join_rules",
    ],
  ],
  [
    "ban_vs_power_levels",
    ["bootstrap-public-chat.json", "ban-vs-power-levels-alice.json", "ban-vs-power-levels-bob.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-ban-bob",
      "$00-m-room-member-join-alice",
      "$01-m-room-power_levels",
    ],
  ],
  [
    "topic_vs_power_levels",
    ["bootstrap-public-chat.json", "topic-vs-power-levels-alice.json", "topic-vs-power-levels-bob.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-join-alice",
      "$00-m-room-member-join-bob",
      "$00-m-room-topic-alice",
      "$02-m-room-power_levels-alice",
    ],
  ],
  [
    "power_levels_admin_vs_mod",
    ["bootstrap-public-chat.json", "power-levels-admin-vs-mod-alice.json", "power-levels-admin-vs-mod-bob.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-join-alice",
      "$00-m-room-member-join-bob",
      "$02-m-room-power_levels-alice",
    ],
  ],
  [
    "topic_vs_ban",
    ["bootstrap-public-chat.json", "topic-vs-ban-common.json", "topic-vs-ban-alice.json", "topic-vs-ban-bob.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-ban-bob",
      "$00-m-room-member-join-alice",
      "$00-m-room-topic",
      "$01-m-room-power_levels",
    ],
  ],
  [
    "join_rules_vs_join",
    ["bootstrap-public-chat.json", "join-rules-vs-join-common.json", "join-rules-vs-join-alice.json", "join-rules-vs-join-ella.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-member-join-alice",
      "$00-m-room-member-join-bob",
      "$01-m-room-join_rules",
      "$02-m-room-power_levels",
    ],
  ],
  [
    "concurrent_joins",
    ["bootstrap-public-chat.json", "concurrent-joins-charlie.json", "concurrent-joins-ella.json"],
    [
      "$00-m-room-create",
      "$00-m-room-guest_access",
      "$00-m-room-history_visibility",
      "$00-m-room-join_rules",
      "$00-m-room-member-join-alice",
      "$00-m-room-member-join-bob",
      "$00-m-room-member-join-charlie",
      "$00-m-room-member-join-ella",
      "$01-m-room-power_levels",
    ],
  ],
];

const rumaBatchCases: CaseSpec[] = RUMA_BATCH_TESTS.map(([name, files, expected]) => {
  const pdus = files.flatMap((file) => RUMA_FIXTURES[file] as PduTuple[]);
  return {
    mode: "pdus",
    name: `${name.replaceAll("_", " ")} (Ruma, every event its own state set)`,
    source: `Ruma crates/ruma-state-res tests/it/resolve.rs ${name}: fixtures ${files.join(", ")}, snapshot ${name}@resolved_state.snap`,
    roomVersion: "10",
    roomId: "!room:example.com",
    pdus,
    stateSets: pdus.map(([id]) => [id]),
    expected,
  };
});

const topic = (id: string, sender: string, ts?: number): NodeSpec => ({
  id,
  sender,
  type: "m.room.topic",
  stateKey: "",
  content: { topic: id },
  ...(ts === undefined ? {} : { ts }),
});
const message = (id: string): NodeSpec => ({ id, sender: ZARA, type: "m.room.message", content: {} });

const v1Cases: CaseSpec[] = [
  {
    mode: "simulate",
    name: "deeper topic wins",
    source:
      "derived from RV/v1 § State resolution: of two topics that both pass, the one of greater depth wins, although the other has the later origin_server_ts (which v2 follows)",
    roomVersion: "1",
    events: [topic("T1", ALICE, 2000), message("X"), topic("T2", ALICE)],
    edges: [
      ["END", "T1", "START"],
      ["END", "T2", "X", "START"],
    ],
    expected: ["T2"],
    expectedV2: ["T1"],
  },
  {
    mode: "simulate",
    name: "deeper topic fails against the resolved power levels",
    source:
      "derived from RV/v1: Alice gives Bob 50 on one fork (Bob then sets the topic, deeper) and sets him to 0 on the other, deeper, fork (then sets the topic). Power levels by depth ascending: the later one passes and wins, so Bob's deeper topic fails and Alice's is taken",
    roomVersion: "1",
    events: [
      { id: "PB1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      message("M2"),
      message("M3"),
      topic("TB", BOB),
      message("M1"),
      { id: "PA2", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 0 }) },
      topic("TA", ALICE),
    ],
    edges: [
      ["END", "TB", "M3", "M2", "PB1", "START"],
      ["END", "TA", "PA2", "M1", "START"],
    ],
    expected: ["PA2", "TA"],
  },
  {
    mode: "simulate",
    name: "power levels stop at the first that fails",
    source:
      "derived from RV/v1: three forks' power levels by depth ascending: Alice's P3 is taken, Bob's deeper P2 fails against it (Bob has 0 there), and that ends the pass: Alice's deepest P5, which would pass, is never tried",
    roomVersion: "1",
    events: [
      { id: "P1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      { id: "P2", sender: BOB, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50, [CHARLIE]: 50 }) },
      { id: "P3", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [CHARLIE]: 10 }) },
      message("M1"),
      message("M2"),
      { id: "P5", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [ZARA]: 10 }) },
    ],
    edges: [
      ["END", "P2", "P1", "START"],
      ["END", "P3", "START"],
      ["END", "P5", "M2", "M1", "START"],
    ],
    expected: ["P3"],
  },
  {
    mode: "simulate",
    name: "join rule evasion (v1 lets it through)",
    source:
      "derived from RV/v1: Evelyn joins on one fork while Alice makes the room invite-only on the other. The membership is held by one set only, so v1 does not see a conflict and keeps it; v2 re-checks it against the new join rules and drops it (Synapse test_join_rule_evasion)",
    roomVersion: "1",
    events: [
      { id: "JR", sender: ALICE, type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" } },
      { id: "ME", sender: EVELYN, type: "m.room.member", stateKey: EVELYN, content: join },
    ],
    edges: [
      ["END", "JR", "START"],
      ["END", "ME", "START"],
    ],
    expected: ["JR", "ME"],
    expectedV2: ["JR"],
  },
  {
    mode: "simulate",
    name: "no topic passes: the least deep is taken",
    source:
      "derived from RV/v1 as Synapse runs it (the spec does not say): Bob's two topics both fail once Alice's power levels setting him to 0 win, and the conflict goes to the last by depth descending, the least deep",
    roomVersion: "1",
    events: [
      { id: "P1", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 50 }) },
      message("M"),
      topic("TB1", BOB),
      topic("TB2", BOB),
      { id: "P0", sender: ALICE, type: "m.room.power_levels", stateKey: "", content: pl({ [ALICE]: 100, [BOB]: 0 }) },
    ],
    edges: [
      ["END", "TB1", "M", "P1", "START"],
      ["END", "P0", "TB2", "P1"],
    ],
    expected: ["P0", "TB2"],
  },
];

const SYNAPSE_V1 = "Synapse tests/test_state.py (room version 1)";
const USER1 = "@user_id:example.com";
const USER2 = "@user_id_2:example.com";
const synapseV1Node = (
  id: string,
  type: string,
  stateKey: string | undefined,
  content: JsonObject,
  authEvents: string[],
  prevEvents: string[],
  depth?: number,
  sender = USER1,
): ExplicitNode => ({
  id,
  sender,
  type,
  ...(stateKey === undefined ? {} : { stateKey }),
  content,
  authEvents,
  prevEvents,
  ...(depth === undefined ? {} : { depth }),
});
const synapseV1Cases: CaseSpec[] = [
  {
    mode: "explicit",
    name: "basic conflict: the deeper name wins",
    source: `${SYNAPSE_V1} test_branch_basic_conflict`,
    roomVersion: "1",
    events: [
      synapseV1Node("START", "m.room.create", "", { creator: USER1 }, [], [], 1),
      synapseV1Node("A", "m.room.member", USER1, join, ["START"], ["START"], 2),
      synapseV1Node("B", "m.room.name", "", {}, ["START", "A"], ["A"], 3),
      synapseV1Node("C", "m.room.name", "", {}, ["START", "A"], ["A"], 4),
    ],
    stateSets: [
      ["START", "A", "B"],
      ["START", "A", "C"],
    ],
    expected: ["START", "A", "C"],
  },
  {
    mode: "explicit",
    name: "a ban beats an equally deep change by the banned user",
    source: `${SYNAPSE_V1} test_branch_have_banned_conflict: the ban is held by one set only, so it is in R when the names are resolved, and the banned user's name fails`,
    roomVersion: "1",
    events: [
      synapseV1Node("START", "m.room.create", "", { creator: USER1 }, [], [], 1),
      synapseV1Node("A", "m.room.member", USER1, join, ["START"], ["START"], 2),
      synapseV1Node("B", "m.room.name", "", {}, ["START", "A"], ["A"], 3),
      synapseV1Node("C", "m.room.member", USER2, { membership: "ban" }, ["START", "A"], ["B"], 4),
      synapseV1Node("D", "m.room.name", "", {}, ["START"], ["B"], 4, USER2),
    ],
    stateSets: [
      ["START", "A", "B", "C"],
      ["START", "A", "D"],
    ],
    expected: ["START", "A", "B", "C"],
  },
  {
    mode: "explicit",
    name: "power levels beat a change their sender may no longer make",
    source: `${SYNAPSE_V1} test_branch_have_perms_conflict: the demotion of user 2 wins the power levels pass, then user 2's name fails and the older name stays`,
    roomVersion: "1",
    events: [
      synapseV1Node("A1", "m.room.create", "", { creator: USER1 }, [], [], 1),
      synapseV1Node("A2", "m.room.member", USER1, join, ["A1"], ["A1"]),
      synapseV1Node("A3", "m.room.member", USER2, join, ["A1"], ["A2"], undefined, USER2),
      synapseV1Node("A4", "m.room.power_levels", "", { events: { "m.room.name": 50 }, users: { [USER1]: 100, [USER2]: 60 } }, ["A1", "A2"], ["A3"]),
      synapseV1Node("A5", "m.room.name", "", {}, ["A1", "A2", "A4"], ["A4"]),
      synapseV1Node("B", "m.room.power_levels", "", { events: { "m.room.name": 50 }, users: { [USER2]: 30 } }, ["A1", "A2", "A4"], ["A5"]),
      synapseV1Node("C", "m.room.name", "", {}, ["A1", "A3", "A4"], ["A5"], undefined, USER2),
    ],
    stateSets: [
      ["A1", "A2", "A3", "A5", "B"],
      ["A1", "A2", "A3", "A4", "C"],
    ],
    expected: ["A1", "A2", "A3", "A5", "B"],
  },
];

const SYNAPSE_V21 = "Synapse tests/state/test_v21.py";
const leave = { membership: "leave" };
const node = (id: string, sender: string, type: string, stateKey: string, content: JsonObject, authEvents: string[]): ExplicitNode => ({
  id,
  sender,
  type,
  stateKey,
  content,
  authEvents,
});

// Ruma's fixtures for MSC4297 (crates/ruma-state-res/tests/it/resolve/fixtures/MSC4297-problem-*),
// the same history in a v11 and a v12 room; expected states from its snapshots.
const RUMA_A_V11: PduTuple[] = [
  ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { room_version: "11" }, [], []],
  [
    "$00-m-room-member-join-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    1,
    { displayname: "alice", membership: "join" },
    ["$00-m-room-create"],
    ["$00-m-room-create"],
  ],
  [
    "$00-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@alice:example.com",
    2,
    { users: { "@alice:example.com": 100 } },
    ["$00-m-room-create", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-alice"],
  ],
  [
    "$00-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    3,
    { join_rule: "public" },
    ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
    ["$00-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    4,
    { displayname: "bob", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-join_rules"],
  ],
  [
    "$00-m-room-member-join-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    5,
    { displayname: "charlie", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-bob"],
  ],
  [
    "$01-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    6,
    { join_rule: "invite" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-charlie"],
  ],
  [
    "$01-m-room-member-leave-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    7,
    { displayname: "alice", membership: "leave" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$01-m-room-join_rules"],
  ],
  [
    "$01-m-room-member-change-display-name-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    8,
    { displayname: "bob++", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-bob", "$01-m-room-join_rules"],
    ["$01-m-room-member-leave-alice"],
  ],
  [
    "$01-m-room-member-change-display-name-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    9,
    { displayname: "charlie++", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-charlie", "$01-m-room-join_rules"],
    ["$01-m-room-member-leave-alice"],
  ],
];
const RUMA_A_V11_SETS = [
  [
    "$00-m-room-create",
    "$00-m-room-power_levels",
    "$00-m-room-member-join-charlie",
    "$01-m-room-join_rules",
    "$01-m-room-member-leave-alice",
    "$01-m-room-member-change-display-name-bob",
  ],
  [
    "$00-m-room-create",
    "$00-m-room-power_levels",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$01-m-room-member-leave-alice",
    "$01-m-room-member-change-display-name-charlie",
  ],
];
const RUMA_A_V11_EXPECTED = [
  "$00-m-room-create",
  "$00-m-room-power_levels",
  "$01-m-room-member-change-display-name-bob",
  "$01-m-room-member-change-display-name-charlie",
  "$01-m-room-member-leave-alice",
];
const RUMA_A_V12: PduTuple[] = [
  ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { room_version: "12" }, [], []],
  [
    "$00-m-room-member-join-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    1,
    { displayname: "alice", membership: "join" },
    [],
    ["$00-m-room-create"],
  ],
  ["$00-m-room-power_levels", "m.room.power_levels", "", "@alice:example.com", 2, {}, ["$00-m-room-member-join-alice"], ["$00-m-room-member-join-alice"]],
  [
    "$00-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    3,
    { join_rule: "public" },
    ["$00-m-room-member-join-alice", "$00-m-room-power_levels"],
    ["$00-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    4,
    { displayname: "bob", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-join_rules"],
  ],
  [
    "$00-m-room-member-join-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    5,
    { displayname: "charlie", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-bob"],
  ],
  [
    "$01-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    6,
    { join_rule: "invite" },
    ["$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-charlie"],
  ],
  [
    "$01-m-room-member-leave-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    7,
    { displayname: "alice", membership: "leave" },
    ["$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$01-m-room-join_rules"],
  ],
  [
    "$01-m-room-member-change-display-name-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    8,
    { displayname: "bob++", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-member-join-bob", "$01-m-room-join_rules"],
    ["$01-m-room-member-leave-alice"],
  ],
  [
    "$01-m-room-member-change-display-name-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    9,
    { displayname: "charlie++", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-member-join-charlie", "$01-m-room-join_rules"],
    ["$01-m-room-member-leave-alice"],
  ],
];
const RUMA_A_V12_SETS = [
  [
    "$00-m-room-create",
    "$00-m-room-power_levels",
    "$00-m-room-member-join-charlie",
    "$01-m-room-join_rules",
    "$01-m-room-member-leave-alice",
    "$01-m-room-member-change-display-name-bob",
  ],
  [
    "$00-m-room-create",
    "$00-m-room-power_levels",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$01-m-room-member-leave-alice",
    "$01-m-room-member-change-display-name-charlie",
  ],
];
const RUMA_A_V12_EXPECTED = [
  "$00-m-room-create",
  "$00-m-room-power_levels",
  "$01-m-room-join_rules",
  "$01-m-room-member-change-display-name-bob",
  "$01-m-room-member-change-display-name-charlie",
  "$01-m-room-member-leave-alice",
];
const RUMA_B_V11: PduTuple[] = [
  ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { room_version: "11" }, [], []],
  [
    "$00-m-room-member-join-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    1,
    { displayname: "alice", membership: "join" },
    ["$00-m-room-create"],
    ["$00-m-room-create"],
  ],
  [
    "$00-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@alice:example.com",
    2,
    { users: { "@alice:example.com": 100 } },
    ["$00-m-room-create", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-alice"],
  ],
  [
    "$00-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    3,
    { join_rule: "public" },
    ["$00-m-room-create", "$00-m-room-member-join-alice", "$00-m-room-power_levels"],
    ["$00-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    4,
    { displayname: "bob", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-join_rules"],
  ],
  [
    "$00-m-room-member-join-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    5,
    { displayname: "charlie", membership: "join" },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-bob"],
  ],
  [
    "$01-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@alice:example.com",
    6,
    { users: { "@alice:example.com": 100, "@bob:example.com": 50 } },
    ["$00-m-room-create", "$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-charlie"],
  ],
  [
    "$02-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@bob:example.com",
    7,
    { users: { "@alice:example.com": 100, "@bob:example.com": 50, "@charlie:example.com": 50 } },
    ["$00-m-room-create", "$01-m-room-power_levels", "$00-m-room-member-join-bob"],
    ["$01-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-zara",
    "m.room.member",
    "@zara:example.com",
    "@zara:example.com",
    8,
    { displayname: "zara", membership: "join" },
    ["$00-m-room-create", "$02-m-room-power_levels", "$00-m-room-join_rules"],
    ["$02-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-eve",
    "m.room.member",
    "@eve:example.com",
    "@eve:example.com",
    9,
    { displayname: "eve", membership: "join" },
    ["$00-m-room-create", "$02-m-room-power_levels", "$00-m-room-join_rules"],
    ["$02-m-room-power_levels"],
  ],
  [
    "$01-m-room-member-change-display-name-eve",
    "m.room.member",
    "@eve:example.com",
    "@eve:example.com",
    9,
    { displayname: "eve++", membership: "join" },
    ["$00-m-room-create", "$02-m-room-power_levels", "$00-m-room-member-join-eve", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-eve"],
  ],
];
const RUMA_B_V11_SETS = [
  [
    "$00-m-room-create",
    "$00-m-room-member-join-alice",
    "$00-m-room-power_levels",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$00-m-room-member-join-charlie",
    "$01-m-room-member-change-display-name-eve",
  ],
  [
    "$00-m-room-create",
    "$00-m-room-member-join-alice",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$00-m-room-member-join-charlie",
    "$02-m-room-power_levels",
    "$00-m-room-member-join-zara",
  ],
];
const RUMA_B_V11_EXPECTED = [
  "$00-m-room-create",
  "$00-m-room-join_rules",
  "$00-m-room-member-join-alice",
  "$00-m-room-member-join-bob",
  "$00-m-room-member-join-charlie",
  "$00-m-room-member-join-zara",
  "$00-m-room-power_levels",
  "$01-m-room-member-change-display-name-eve",
];
const RUMA_B_V12: PduTuple[] = [
  ["$00-m-room-create", "m.room.create", "", "@alice:example.com", 0, { room_version: "12" }, [], []],
  [
    "$00-m-room-member-join-alice",
    "m.room.member",
    "@alice:example.com",
    "@alice:example.com",
    1,
    { displayname: "alice", membership: "join" },
    [],
    ["$00-m-room-create"],
  ],
  ["$00-m-room-power_levels", "m.room.power_levels", "", "@alice:example.com", 2, {}, ["$00-m-room-member-join-alice"], ["$00-m-room-member-join-alice"]],
  [
    "$00-m-room-join_rules",
    "m.room.join_rules",
    "",
    "@alice:example.com",
    3,
    { join_rule: "public" },
    ["$00-m-room-member-join-alice", "$00-m-room-power_levels"],
    ["$00-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-bob",
    "m.room.member",
    "@bob:example.com",
    "@bob:example.com",
    4,
    { displayname: "bob", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-join_rules"],
  ],
  [
    "$00-m-room-member-join-charlie",
    "m.room.member",
    "@charlie:example.com",
    "@charlie:example.com",
    5,
    { displayname: "charlie", membership: "join" },
    ["$00-m-room-power_levels", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-bob"],
  ],
  [
    "$01-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@alice:example.com",
    6,
    { users: { "@bob:example.com": 50 } },
    ["$00-m-room-power_levels", "$00-m-room-member-join-alice"],
    ["$00-m-room-member-join-charlie"],
  ],
  [
    "$02-m-room-power_levels",
    "m.room.power_levels",
    "",
    "@bob:example.com",
    7,
    { users: { "@bob:example.com": 50, "@charlie:example.com": 50 } },
    ["$01-m-room-power_levels", "$00-m-room-member-join-bob"],
    ["$01-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-zara",
    "m.room.member",
    "@zara:example.com",
    "@zara:example.com",
    8,
    { displayname: "zara", membership: "join" },
    ["$02-m-room-power_levels", "$00-m-room-join_rules"],
    ["$02-m-room-power_levels"],
  ],
  [
    "$00-m-room-member-join-eve",
    "m.room.member",
    "@eve:example.com",
    "@eve:example.com",
    9,
    { displayname: "eve", membership: "join" },
    ["$02-m-room-power_levels", "$00-m-room-join_rules"],
    ["$02-m-room-power_levels"],
  ],
  [
    "$01-m-room-member-change-display-name-eve",
    "m.room.member",
    "@eve:example.com",
    "@eve:example.com",
    9,
    { displayname: "eve++", membership: "join" },
    ["$02-m-room-power_levels", "$00-m-room-member-join-eve", "$00-m-room-join_rules"],
    ["$00-m-room-member-join-eve"],
  ],
];
const RUMA_B_V12_SETS = [
  [
    "$00-m-room-create",
    "$00-m-room-member-join-alice",
    "$00-m-room-power_levels",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$00-m-room-member-join-charlie",
    "$01-m-room-member-change-display-name-eve",
  ],
  [
    "$00-m-room-create",
    "$00-m-room-member-join-alice",
    "$00-m-room-join_rules",
    "$00-m-room-member-join-bob",
    "$00-m-room-member-join-charlie",
    "$02-m-room-power_levels",
    "$00-m-room-member-join-zara",
  ],
];
const RUMA_B_V12_EXPECTED = [
  "$00-m-room-create",
  "$00-m-room-join_rules",
  "$00-m-room-member-join-alice",
  "$00-m-room-member-join-bob",
  "$00-m-room-member-join-charlie",
  "$00-m-room-member-join-zara",
  "$01-m-room-member-change-display-name-eve",
  "$02-m-room-power_levels",
];

const RUMA_MSC4297 = "Ruma crates/ruma-state-res tests/it/resolve.rs and fixtures/MSC4297-problem-";
const rumaCases: CaseSpec[] = [
  {
    mode: "pdus",
    name: "MSC4297 problem A, room version 11 (v2: the join rules vanish)",
    source: `${RUMA_MSC4297}A, pdus-v11.json, snapshot msc4297_problem_a_state_res_v2_0`,
    roomVersion: "11",
    roomId: "!room:example.com",
    pdus: RUMA_A_V11,
    stateSets: RUMA_A_V11_SETS,
    expected: RUMA_A_V11_EXPECTED,
  },
  {
    mode: "pdus",
    name: "MSC4297 problem A, room version 12 (v2.1: the newer join rules stay)",
    source: `${RUMA_MSC4297}A, pdus-v12.json, snapshot msc4297_problem_a_state_res_v2_1`,
    roomVersion: "12",
    roomId: "!00-m-room-create",
    pdus: RUMA_A_V12,
    stateSets: RUMA_A_V12_SETS,
    expected: RUMA_A_V12_EXPECTED,
  },
  {
    mode: "pdus",
    name: "MSC4297 problem B, room version 11 (v2: the power levels reset)",
    source: `${RUMA_MSC4297}B, pdus-v11.json, snapshot msc4297_problem_b_state_res_v2_0`,
    roomVersion: "11",
    roomId: "!room:example.com",
    pdus: RUMA_B_V11,
    stateSets: RUMA_B_V11_SETS,
    expected: RUMA_B_V11_EXPECTED,
  },
  {
    mode: "pdus",
    name: "MSC4297 problem B, room version 12 (v2.1: the newer power levels stay)",
    source: `${RUMA_MSC4297}B, pdus-v12.json, snapshot msc4297_problem_b_state_res_v2_1`,
    roomVersion: "12",
    roomId: "!00-m-room-create",
    pdus: RUMA_B_V12,
    stateSets: RUMA_B_V12_SETS,
    expected: RUMA_B_V12_EXPECTED,
  },
];

const v21Cases: CaseSpec[] = [
  {
    mode: "explicit",
    name: "creators outrank every power level in the ordering",
    source:
      "derived from RV/v12 (creators have infinite power) and the reverse topological power ordering: Bob, an additional creator, and Charlie (100) change the join rules concurrently, Charlie first. Bob's sorts first by his infinite power, so Charlie's, applied after it, wins; were Bob ranked by the users map (0), his would win",
    roomVersion: "12",
    events: [
      node("CREATE", ALICE, "m.room.create", "", { room_version: "12", additional_creators: [BOB] }, []),
      node("MA", ALICE, "m.room.member", ALICE, join, []),
      node("POWER", ALICE, "m.room.power_levels", "", { users: { [CHARLIE]: 100 } }, ["MA"]),
      node("JR", ALICE, "m.room.join_rules", "", { join_rule: "public" }, ["MA", "POWER"]),
      node("MB", BOB, "m.room.member", BOB, join, ["POWER", "JR"]),
      node("MC", CHARLIE, "m.room.member", CHARLIE, join, ["POWER", "JR"]),
      { ...node("JRB", BOB, "m.room.join_rules", "", { join_rule: "invite" }, ["POWER", "MB"]), prevEvents: ["MC"], ts: 2000 },
      { ...node("JRC", CHARLIE, "m.room.join_rules", "", { join_rule: "knock" }, ["POWER", "MC"]), prevEvents: ["MC"], ts: 1000 },
    ],
    stateSets: [
      ["CREATE", "MA", "POWER", "MB", "MC", "JRB"],
      ["CREATE", "MA", "POWER", "MB", "MC", "JRC"],
    ],
    expected: ["CREATE", "MA", "POWER", "MB", "MC", "JRC"],
  },
  {
    mode: "explicit",
    name: "iterative auth checks start from an empty state (MSC4297 problem A)",
    source: `${SYNAPSE_V21} test_state_reset_start_empty_set: the join rules are conflicted and Alice, who sent both, has left (unconflicted). v2 checks both against the unconflicted state, where Alice is not joined, and the join rules vanish; v2.1 checks them against their own auth events and keeps the newer`,
    roomVersion: "12",
    events: [
      node("CREATE", ALICE, "m.room.create", "", { room_version: "12" }, []),
      node("MA1", ALICE, "m.room.member", ALICE, join, []),
      node("POWER", ALICE, "m.room.power_levels", "", { users: { [BOB]: 100 } }, ["MA1"]),
      node("JR1", ALICE, "m.room.join_rules", "", { join_rule: "public" }, ["MA1", "POWER"]),
      node("MB", BOB, "m.room.member", BOB, join, ["POWER", "JR1"]),
      node("JR2", ALICE, "m.room.join_rules", "", { join_rule: "invite" }, ["MA1", "POWER"]),
      node("MA2", ALICE, "m.room.member", ALICE, leave, ["POWER", "MA1"]),
    ],
    stateSets: [
      ["CREATE", "MA2", "MB", "POWER", "JR2"],
      ["CREATE", "MA2", "MB", "POWER", "JR1"],
    ],
    expected: ["CREATE", "MA2", "MB", "POWER", "JR2"],
    expectedV2: ["CREATE", "MA2", "MB", "POWER"],
  },
  {
    mode: "explicit",
    name: "the conflicted state subgraph is replayed (MSC4297 problem B)",
    source: `${SYNAPSE_V21} test_state_reset_replay_conflicted_subgraph: Eve's rename cites the old power levels directly and the new ones through her join. v2 never replays the power levels between them, so Bob's promotion of Charlie fails against the old ones and the power levels reset; v2.1 replays the subgraph (Bob's join, Alice's promotion of Bob) and keeps them, and Eve's join, based on the newer power levels, is applied after her rename`,
    roomVersion: "12",
    events: [
      node("CREATE", ALICE, "m.room.create", "", { room_version: "12" }, []),
      node("MA", ALICE, "m.room.member", ALICE, join, []),
      node("POWER1", ALICE, "m.room.power_levels", "", { users: {} }, ["MA"]),
      node("JR", ALICE, "m.room.join_rules", "", { join_rule: "public" }, ["MA", "POWER1"]),
      node("MB", BOB, "m.room.member", BOB, join, ["POWER1", "JR"]),
      node("MC", CHARLIE, "m.room.member", CHARLIE, join, ["POWER1", "JR"]),
      node("POWER2", ALICE, "m.room.power_levels", "", { users: { [BOB]: 50 } }, ["MA", "POWER1"]),
      node("POWER3", BOB, "m.room.power_levels", "", { users: { [BOB]: 50, [CHARLIE]: 50 } }, ["MB", "POWER2"]),
      node("ME1", EVELYN, "m.room.member", EVELYN, join, ["POWER3", "JR"]),
      node("ME2", EVELYN, "m.room.member", EVELYN, { membership: "join", displayname: "Eve" }, ["POWER1", "JR", "ME1"]),
      node("MZ", ZARA, "m.room.member", ZARA, join, ["POWER3", "JR"]),
    ],
    stateSets: [
      ["CREATE", "MA", "MB", "MC", "ME2", "POWER1", "JR"],
      ["CREATE", "MA", "MB", "MC", "MZ", "POWER3", "JR"],
    ],
    expected: ["CREATE", "MA", "MB", "MC", "ME1", "MZ", "POWER3", "JR"],
    expectedV2: ["CREATE", "MA", "MB", "MC", "ME2", "MZ", "POWER1", "JR"],
  },
];

function build(file: string, source: string, cases: CaseSpec[]): void {
  const vectors = cases.map((spec) => (spec.mode === "simulate" ? simulate(spec) : spec.mode === "explicit" ? explicit(spec) : fromPdus(spec)));
  for (const vector of vectors) check(vector);
  const dir = path.resolve(import.meta.dirname, "../lib/matrix/__vectors__/state-res");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), JSON.stringify({ source, cases: vectors }, null, 1) + "\n");
  console.log(`${file}: ${vectors.length} cases`);
}

build("v2.json", "state resolution v2 (room versions 2–11); see each case's source", [...v2Cases, ...rumaBatchCases]);
build("v1.json", "state resolution v1 (room version 1); see each case's source", [...v1Cases, ...synapseV1Cases]);
build("v2.1.json", "state resolution v2.1 (room version 12, MSC4297) and, for the same histories in room version 11, v2; see each case's source", [
  ...v21Cases,
  ...rumaCases,
]);
