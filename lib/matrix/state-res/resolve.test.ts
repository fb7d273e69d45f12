import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

import v1Vectors from "@/lib/matrix/__vectors__/state-res/v1.json";
import v21Vectors from "@/lib/matrix/__vectors__/state-res/v2.1.json";
import v2Vectors from "@/lib/matrix/__vectors__/state-res/v2.json";
import { asJson } from "@/lib/matrix/__vectors__/as-json";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import type { AuthEvent, EventLookup, StateMap } from "@/lib/matrix/auth/types";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { getRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";
import { authDifferenceBySets } from "@/lib/matrix/state-res/auth-chain";
import {
  authChain,
  authDifference,
  conflictedStateSubgraph,
  missingForResolution,
  resolveState,
  separateV2,
  tryResolveState,
} from "@/lib/matrix/state-res/resolve";
import { lexicographicalTopologicalSort } from "@/lib/matrix/state-res/v2";

interface VectorEvent {
  event_id: string;
  room_id?: string;
  type: string;
  state_key?: string;
  sender: string;
  content: unknown;
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

function toAuthEvent(event: VectorEvent): AuthEvent {
  return {
    eventId: event.event_id,
    roomId: event.room_id,
    type: event.type,
    stateKey: event.state_key,
    sender: event.sender,
    originServerTs: event.origin_server_ts,
    depth: event.depth,
    content: asJson(event.content),
    prevEvents: event.prev_events,
    authEvents: event.auth_events,
    redacts: undefined,
  };
}

function load(vector: VectorCase) {
  const events = new Map(vector.events.map((e) => [e.event_id, toAuthEvent(e)]));
  const getEvent: EventLookup = (id) => events.get(id);
  const stateOf = (ids: readonly string[]): StateMap => {
    const state = new Map<string, string>();
    for (const id of ids) {
      const event = events.get(id);
      if (event?.stateKey === undefined) throw new Error(`${id}: not a state event of the case`);
      state.set(stateKeyOf(event.type, event.stateKey), id);
    }
    return state;
  };
  return { events, getEvent, stateSets: vector.state_sets.map(stateOf), expected: stateOf(vector.expected), stateOf };
}

function resolve(roomVersion: RoomVersion, stateSets: readonly StateMap[], getEvent: EventLookup): StateMap {
  return resolveState({ roomVersion, stateSets, getEvent });
}

const asObject = (state: StateMap) => Object.fromEntries([...state].sort(([a], [b]) => (a < b ? -1 : 1)));

const v2Cases = v2Vectors.cases as VectorCase[];
const v1Cases = v1Vectors.cases as VectorCase[];
const v21Cases = v21Vectors.cases as VectorCase[];
const V2_ROOM_VERSIONS = ["2", "3", "4", "5", "6", "7", "8", "9", "10", "11"];

describe("state resolution v2 vectors (room versions 2–11)", () => {
  for (const vector of v2Cases) {
    it.each(V2_ROOM_VERSIONS)(`${vector.name} (room version %s)`, (version) => {
      const { getEvent, stateSets, expected } = load(vector);
      expect(asObject(resolve(getRoomVersion(version), stateSets, getEvent))).toEqual(asObject(expected));
    });
  }
});

describe("state resolution v1 vectors (room version 1)", () => {
  for (const vector of v1Cases) {
    it(vector.name, () => {
      const { getEvent, stateSets, expected, stateOf } = load(vector);
      const version = getRoomVersion(vector.room_version);
      expect(asObject(resolve(version, stateSets, getEvent))).toEqual(asObject(expected));
      if (vector.expected_v2 !== undefined) {
        expect(asObject(resolve({ ...version, stateResolution: "v2" }, stateSets, getEvent))).toEqual(asObject(stateOf(vector.expected_v2)));
      }
    });
  }
});

describe("state resolution v2.1 vectors (room version 12, and the same histories in room version 11)", () => {
  for (const vector of v21Cases) {
    it(vector.name, () => {
      const { getEvent, stateSets, expected } = load(vector);
      expect(asObject(resolve(getRoomVersion(vector.room_version), stateSets, getEvent))).toEqual(asObject(expected));
    });
    if (vector.expected_v2 !== undefined) {
      it(`${vector.name}: v2 on the same DAG differs`, () => {
        const { getEvent, stateSets, expected, stateOf } = load(vector);
        const v2 = resolve({ ...getRoomVersion(vector.room_version), stateResolution: "v2" }, stateSets, getEvent);
        expect(asObject(v2)).toEqual(asObject(stateOf(vector.expected_v2 as string[])));
        expect(asObject(v2)).not.toEqual(asObject(expected));
      });
    }
  }

  it("never puts the create event in the auth difference or the conflicted subgraph (Synapse's check)", () => {
    for (const vector of v21Cases) {
      const { getEvent, stateSets } = load(vector);
      const version = getRoomVersion(vector.room_version);
      const separated = separateV2(stateSets);
      const conflicted = new Set([...separated.conflicted.values()].flatMap((ids) => [...ids]));
      const extra = new Set([...authDifference(stateSets, separated, getEvent, version), ...conflictedStateSubgraph(conflicted, getEvent, version)]);
      const create = vector.events.find((e) => e.type === "m.room.create") as VectorEvent;
      expect(extra.has(create.event_id)).toBe(false);
    }
  });

  it("finds the events between two conflicted events (problem B)", () => {
    const vector = v21Cases.find((c) => c.name.startsWith("the conflicted state subgraph")) as VectorCase;
    const { getEvent } = load(vector);
    const subgraph = conflictedStateSubgraph(new Set(["$ME2", "$MZ", "$POWER1", "$POWER3"]), getEvent, getRoomVersion("12"));
    expect([...subgraph].sort()).toEqual(["$JR", "$MB", "$ME1", "$ME2", "$MZ", "$POWER1", "$POWER2", "$POWER3"]);
  });
});

describe("reverse topological power ordering", () => {
  it("is Kahn's algorithm taking the smallest candidate (Synapse's lexicographical sort example)", () => {
    const edges = new Map([
      ["l", new Set(["o"])],
      ["m", new Set(["n", "o"])],
      ["n", new Set(["o"])],
      ["o", new Set<string>()],
      ["p", new Set(["o"])],
    ]);
    expect(lexicographicalTopologicalSort(edges, (id) => ({ power: 0, ts: 0, id }))).toEqual(["o", "l", "n", "m", "p"]);
  });
});

/** Every vector's state sets, with their lookup and room version, for the properties below. */
const allCases = [
  ...v2Cases.map((c) => ({ vector: c, version: getRoomVersion(c.room_version) })),
  ...v1Cases.map((c) => ({ vector: c, version: getRoomVersion(c.room_version) })),
  ...v21Cases.map((c) => ({ vector: c, version: getRoomVersion(c.room_version) })),
];

/** Random state sets over a case's events: per pair, one of the events for it or none. */
function randomStateSets(vector: VectorCase) {
  const { events } = load(vector);
  const byKey = new Map<string, string[]>();
  for (const event of events.values()) {
    if (event.stateKey === undefined) continue;
    const key = stateKeyOf(event.type, event.stateKey);
    byKey.set(key, [...(byKey.get(key) ?? []), event.eventId]);
  }
  const keys = [...byKey.keys()].sort();
  const oneSet = fc.tuple(...keys.map((key) => fc.option(fc.constantFrom(...(byKey.get(key) as string[])), { nil: undefined }))).map((choice) => {
    const state = new Map<string, string>();
    choice.forEach((id, i) => {
      if (id !== undefined) state.set(keys[i] as string, id);
    });
    return state as StateMap;
  });
  return fc.array(oneSet, { minLength: 1, maxLength: 4 });
}

describe("state resolution properties", () => {
  it.each(allCases.map((c) => [c.vector.name, c] as const))("resolving one state set returns it (%s)", (_name, { vector, version }) => {
    const { getEvent } = load(vector);
    fc.assert(
      fc.property(randomStateSets(vector), (sets) => {
        const only = sets[0] as StateMap;
        expect(resolve(version, [only], getEvent)).toBe(only);
        expect(asObject(resolve(version, [only, new Map(only), only], getEvent))).toEqual(asObject(only));
      }),
      { numRuns: 30 },
    );
  });

  it.each(allCases.map((c) => [c.vector.name, c] as const))(
    "the order of the state sets and repeated sets do not matter (%s)",
    (_name, { vector, version }) => {
      const { getEvent } = load(vector);
      fc.assert(
        fc.property(
          randomStateSets(vector).chain((sets) => fc.tuple(fc.constant(sets), fc.shuffledSubarray(sets, { minLength: sets.length }))),
          ([sets, shuffled]) => {
            const resolved = asObject(resolve(version, sets, getEvent));
            expect(asObject(resolve(version, shuffled, getEvent))).toEqual(resolved);
            expect(asObject(resolve(version, [...sets, ...sets.slice(0, 1)], getEvent))).toEqual(resolved);
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it.each(allCases.map((c) => [c.vector.name, c] as const))("vector state sets in every order give the expected state (%s)", (_name, { vector, version }) => {
    const { getEvent, stateSets, expected } = load(vector);
    fc.assert(
      fc.property(fc.shuffledSubarray(stateSets, { minLength: stateSets.length }), (shuffled) => {
        expect(asObject(resolve(version, shuffled, getEvent))).toEqual(asObject(expected));
      }),
      { numRuns: 10 },
    );
  });
});

describe("auth difference and conflicted subgraph walks", () => {
  it.each(allCases.map((c) => [c.vector.name, c] as const))("the depth-ordered walk agrees with the per-set walks (%s)", (_name, { vector, version }) => {
    const { getEvent } = load(vector);
    fc.assert(
      fc.property(randomStateSets(vector), (sets) => {
        const separated = separateV2(sets);
        expect([...authDifference(sets, separated, getEvent, version)].sort()).toEqual([...authDifferenceBySets(sets, separated, getEvent, version)].sort());
      }),
      { numRuns: 40 },
    );
  });

  it.each(allCases.map((c) => [c.vector.name, c] as const))("match their definitions, computed by brute force (%s)", (_name, { vector, version }) => {
    const { getEvent } = load(vector);
    fc.assert(
      fc.property(randomStateSets(vector), (sets) => {
        const chains = sets.map((set) => authChain(set.values(), getEvent, version));
        const union = new Set(chains.flatMap((c) => [...c]));
        const difference = [...union].filter((id) => !chains.every((c) => c.has(id))).sort();
        expect([...authDifference(sets, separateV2(sets), getEvent, version)].sort()).toEqual(difference);

        const conflicted = new Set([...separateV2(sets).conflicted.values()].flatMap((ids) => [...ids]));
        const chainOf = new Map([...union, ...conflicted].map((id) => [id, authChain([id], getEvent, version)]));
        const onPath = (id: string) =>
          [...conflicted].some((from) => chainOf.get(from)?.has(id)) && [...conflicted].some((to) => to === id || chainOf.get(id)?.has(to));
        const subgraph = [...new Set([...conflicted, ...[...union].filter(onPath)])].sort();
        expect([...conflictedStateSubgraph(conflicted, getEvent, version)].sort()).toEqual(subgraph);
      }),
      { numRuns: 40 },
    );
  });

  /** a ← b ← c, and x ← y: a chain whose depths are honest or, with `lie`, inverted. */
  function dag(lie: boolean) {
    const make = (id: string, depth: number, authEvents: string[]): AuthEvent => ({
      eventId: id,
      roomId: "!r:x",
      type: "m.room.member",
      stateKey: `@${id}:x`,
      sender: `@${id}:x`,
      originServerTs: 0,
      depth,
      content: { membership: "join" },
      prevEvents: [],
      authEvents,
      redacts: undefined,
    });
    const events = new Map(
      [make("$a", lie ? 9 : 1, []), make("$b", lie ? 8 : 2, ["$a"]), make("$c", 3, ["$b"]), make("$x", 1, []), make("$y", 2, ["$x", "$a"])].map((e) => [
        e.eventId,
        e,
      ]),
    );
    return (id: string) => events.get(id);
  }

  it("falls back to the per-set walks when an auth event is not less deep than its citer", () => {
    for (const lie of [false, true]) {
      const getEvent = dag(lie);
      const s1: StateMap = new Map([
        ["m.room.member\u0000@c:x", "$c"],
        ["m.room.member\u0000@y:x", "$y"],
      ]);
      const s2: StateMap = new Map([["m.room.member\u0000@y:x", "$y"]]);
      const separated = separateV2([s1, s2]);
      expect([...authDifference([s1, s2], separated, getEvent)].sort()).toEqual(["$b"]);
      expect([...conflictedStateSubgraph(new Set(["$c", "$a"]), getEvent)].sort()).toEqual(["$a", "$b", "$c"]);
    }
  });
});

describe("the hot path", () => {
  it("returns one state set, or identical ones, without reading an event", () => {
    const state: StateMap = new Map([[stateKeyOf("m.room.create", ""), "$c"]]);
    const getEvent = vi.fn<EventLookup>(() => undefined);
    const checkAuth = vi.fn(checkAuthRules);
    for (const version of ["1", "2", "12"]) {
      expect(resolveState({ roomVersion: getRoomVersion(version), stateSets: [state], getEvent, checkAuth })).toBe(state);
      const same = resolveState({ roomVersion: getRoomVersion(version), stateSets: [state, new Map(state)], getEvent, checkAuth });
      expect(asObject(same)).toEqual(asObject(state));
      expect(missingForResolution([state, new Map(state)], getEvent, getRoomVersion(version))).toEqual([]);
    }
    expect(getEvent).not.toHaveBeenCalled();
    expect(checkAuth).not.toHaveBeenCalled();
  });

  it("walks auth chains 100,000 events deep without recursion", () => {
    const events = new Map<string, AuthEvent>();
    const depth = 100_000;
    for (let i = 0; i < depth; i++) {
      events.set(`$e${i}`, {
        eventId: `$e${i}`,
        roomId: "!r:x",
        type: "m.room.member",
        stateKey: "@a:x",
        sender: "@a:x",
        originServerTs: i,
        depth: i,
        content: { membership: "join" },
        prevEvents: i === 0 ? [] : [`$e${i - 1}`],
        authEvents: i === 0 ? [] : [`$e${i - 1}`],
        redacts: undefined,
      });
    }
    const getEvent: EventLookup = (id) => events.get(id);
    expect(authChain([`$e${depth - 1}`], getEvent).size).toBe(depth - 1);
    const a: StateMap = new Map([["k\u0000a", `$e${depth - 1}`]]);
    const b: StateMap = new Map([["k\u0000a", `$e${depth - 2}`]]);
    expect(authDifference([a, b], separateV2([a, b]), getEvent)).toEqual(new Set([`$e${depth - 2}`]));
  });
});

describe("events missing from the lookup", () => {
  it.each(allCases.map((c) => [c.vector.name, c] as const))(
    "loading what tryResolveState reports missing, round by round from nothing, ends with the expected state (%s)",
    (_name, { vector, version }) => {
      const { events, stateSets, expected } = load(vector);
      const loaded = new Map<string, AuthEvent>();
      let rounds = 0;
      for (;;) {
        const { state, missing } = tryResolveState({ roomVersion: version, stateSets, getEvent: (id) => loaded.get(id) });
        expect(missingForResolution(stateSets, (id) => loaded.get(id), version).sort()).toEqual([...missing].sort());
        if (missing.length === 0) {
          expect(asObject(state)).toEqual(asObject(expected));
          break;
        }
        for (const id of missing) loaded.set(id, events.get(id) as AuthEvent);
        expect(++rounds).toBeLessThan(50);
      }
    },
  );

  const vector = v2Cases.find((c) => c.name === "ban vs power levels") as VectorCase;

  it("are listed by missingForResolution until the caller has loaded them", () => {
    const { events, stateSets } = load(vector);
    const loaded = new Map([...events].filter(([id]) => id !== "$PA:example.com" && id !== "$IMA:example.com"));
    const version = getRoomVersion("2");
    expect(missingForResolution(stateSets, (id) => loaded.get(id), version).sort()).toEqual(["$IMA:example.com", "$PA:example.com"]);
    loaded.set("$PA:example.com", events.get("$PA:example.com") as AuthEvent);
    expect(missingForResolution(stateSets, (id) => loaded.get(id), version)).toEqual(["$IMA:example.com"]);
    loaded.set("$IMA:example.com", events.get("$IMA:example.com") as AuthEvent);
    expect(missingForResolution(stateSets, (id) => loaded.get(id), version)).toEqual([]);
  });

  it("do not crash the resolution: a missing state event is left out, a missing auth event skipped", () => {
    const { events, stateSets } = load(vector);
    for (const id of events.keys()) {
      const getEvent: EventLookup = (wanted) => (wanted === id ? undefined : events.get(wanted));
      for (const version of ["1", "2", "12"]) {
        const resolved = resolve(getRoomVersion(version), stateSets, getEvent);
        for (const [key, held] of separateV2(stateSets).unconflicted) expect(resolved.get(key)).toBe(held);
      }
    }
  });

  it("v1 asks for the conflicted events, then for the unconflicted events their auth rules read", () => {
    const v1 = v1Cases.find((c) => c.name.startsWith("deeper topic wins")) as VectorCase;
    const { events, stateSets } = load(v1);
    const version = getRoomVersion("1");
    const none: EventLookup = () => undefined;
    expect(missingForResolution(stateSets, none, version).sort()).toEqual(["$T1:example.com", "$T2:example.com"]);
    const some: EventLookup = (id) => (id.startsWith("$T") ? events.get(id) : undefined);
    expect(missingForResolution(stateSets, some, version).sort()).toEqual(["$CREATE:example.com", "$IMA:example.com", "$IPOWER:example.com"]);
  });
});
