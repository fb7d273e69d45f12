/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";

import { authEventTypes, authStateFromAuthEvents } from "@/lib/matrix/auth/auth-events";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import { parsedPowerLevels } from "@/lib/matrix/auth/power-levels";
import { mayRedact } from "@/lib/matrix/auth/redactions";
import { ruleNumbers } from "@/lib/matrix/auth/rule-numbers";
import { splitStateKey, stateKeyOf, type AuthEvent, type AuthState, type StateKey } from "@/lib/matrix/auth/types";
import { isJsonObject, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { getRoomVersion, SUPPORTED_ROOM_VERSIONS, type RoomVersion } from "@/lib/matrix/room-versions";
import { signingKeyFromSeed } from "@/lib/matrix/signing-key";
import { signJson } from "@/lib/matrix/signatures";

// Every file of lib/matrix/__vectors__/auth-rules, read as text and parsed with the lossless
// parser, so float literals (1e400, 5.0E1) reach the rules as JsonNumber like a received PDU's.
const files = import.meta.glob("../__vectors__/auth-rules/*.json", { eager: true, query: "?raw", import: "default" }) as Record<string, string>;

type Expect =
  | { allowed: true }
  | { allowed: false; rule: string }
  | { ok: true; stateKeys?: [string, string][] }
  | { ok: false; rule: string }
  | { types: [string, string][] }
  | { apply: boolean };

interface VectorCase {
  name: string;
  kind?: "auth" | "authEvents" | "selection" | "mayRedact";
  roomVersions?: string[];
  event: string | JsonObject;
  state?: (string | JsonObject)[];
  authEvents?: (string | JsonObject)[];
  create?: string | JsonObject;
  target?: string | JsonObject | null;
  expect: Expect;
}

interface VectorFile {
  description: string;
  roomVersions: string[];
  events: Record<string, JsonObject>;
  cases: VectorCase[];
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function toAuthEvent(pdu: JsonObject, version: RoomVersion): AuthEvent {
  const content = isJsonObject(pdu.content) ? pdu.content : {};
  const ids = (value: JsonValue | undefined): string[] => (Array.isArray(value) ? value.filter((id): id is string => typeof id === "string") : []);
  return {
    eventId: str(pdu.event_id) ?? "",
    roomId: str(pdu.room_id),
    type: str(pdu.type) ?? "",
    stateKey: str(pdu.state_key),
    sender: str(pdu.sender) ?? "",
    originServerTs: typeof pdu.origin_server_ts === "number" ? pdu.origin_server_ts : 0,
    depth: typeof pdu.depth === "number" ? pdu.depth : 0,
    content,
    prevEvents: ids(pdu.prev_events),
    authEvents: ids(pdu.auth_events),
    redacts: version.redactsInContent ? str(content.redacts) : str(pdu.redacts),
  };
}

function loadFile(path: string, text: string): VectorFile {
  const parsed = parseJsonObject(text) as unknown as VectorFile;
  expect(parsed.cases.length, path).toBeGreaterThan(0);
  return parsed;
}

const vectorFiles = Object.entries(files).map(([path, text]) => [path.replace(/^.*\//, ""), loadFile(path, text)] as const);

let caseCount = 0;
for (const [fileName, file] of vectorFiles) {
  describe(`auth vectors ${fileName}: ${file.description}`, () => {
    for (const vector of file.cases) {
      const versions = vector.roomVersions ?? file.roomVersions;
      caseCount += versions.length;
      it.each(versions)(`${vector.name} (room version %s)`, (id) => {
        const version = getRoomVersion(id);
        const resolve = (ref: string | JsonObject): AuthEvent => {
          const pdu = typeof ref === "string" ? file.events[ref] : ref;
          if (!pdu) throw new Error(`${fileName}: no event named ${String(ref)}`);
          return toAuthEvent(pdu, version);
        };
        const event = resolve(vector.event);
        const kind = vector.kind ?? "auth";
        if (kind === "auth") {
          const state: AuthState = new Map((vector.state ?? []).map((ref) => resolve(ref)).map((e) => [stateKeyOf(e.type, e.stateKey ?? ""), e] as const));
          const result = checkAuthRules(event, state, version);
          const expected = vector.expect as { allowed: boolean; rule?: string };
          if (expected.allowed) expect(result).toEqual({ allowed: true });
          else expect(result).toMatchObject({ allowed: false, rule: expected.rule });
        } else if (kind === "authEvents") {
          const result = authStateFromAuthEvents(
            event,
            (vector.authEvents ?? []).map(resolve),
            version,
            vector.create === undefined ? undefined : resolve(vector.create),
          );
          const expected = vector.expect as { ok: boolean; rule?: string; stateKeys?: [string, string][] };
          if (expected.ok) {
            expect(result.ok).toBe(true);
            if (result.ok && expected.stateKeys) {
              expect([...result.state.keys()].map(splitStateKey).sort()).toEqual([...expected.stateKeys].sort());
            }
          } else {
            expect(result).toMatchObject({ ok: false, rule: expected.rule });
          }
        } else if (kind === "selection") {
          const expected = vector.expect as { types: [string, string][] };
          expect(authEventTypes(event, version).map(splitStateKey).sort()).toEqual([...expected.types].sort());
        } else {
          const state: AuthState = new Map((vector.state ?? []).map((ref) => resolve(ref)).map((e) => [stateKeyOf(e.type, e.stateKey ?? ""), e] as const));
          const target = vector.target === null || vector.target === undefined ? undefined : resolve(vector.target);
          expect(mayRedact(event, target, state, version)).toBe((vector.expect as { apply: boolean }).apply);
        }
      });
    }
  });
}

describe("auth vectors", () => {
  it("cover every room version and at least 120 cases", () => {
    const covered = new Set(vectorFiles.flatMap(([, file]) => [...file.roomVersions, ...file.cases.flatMap((c) => c.roomVersions ?? [])]));
    expect([...covered].sort()).toEqual([...SUPPORTED_ROOM_VERSIONS].sort());
    expect(vectorFiles.reduce((n, [, file]) => n + file.cases.length, 0)).toBeGreaterThanOrEqual(120);
    expect(caseCount).toBeGreaterThan(0);
  });
});

// Focused unit tests of what the vectors do not show directly.
const ROOM = "!r:a.example";
function event(partial: Partial<AuthEvent> & Pick<AuthEvent, "type" | "sender">): AuthEvent {
  return {
    eventId: `$${Math.random().toString(36).slice(2)}:a.example`,
    roomId: ROOM,
    stateKey: undefined,
    originServerTs: 0,
    depth: 1,
    content: {},
    prevEvents: ["$p:a.example"],
    authEvents: [],
    redacts: undefined,
    ...partial,
  };
}
function stateOf(...events: AuthEvent[]): Map<StateKey, AuthEvent> {
  return new Map(events.map((e) => [stateKeyOf(e.type, e.stateKey ?? ""), e]));
}

describe("rule numbers", () => {
  it("follow each version's section layout", () => {
    const n = (id: string) => ruleNumbers(getRoomVersion(id));
    expect([n("1").joinBanned, n("6").joinBanned, n("8").joinBanned, n("12").joinBanned]).toEqual(["5.2.3", "4.2.3", "4.3.3", "5.3.3"]);
    expect([n("1").plUsersNew, n("6").plUsersNew, n("10").plUsersNew, n("12").plUsersNew]).toEqual(["10.7.1", "9.7.1", "9.9.1", "10.10.1"]);
    expect([n("2").redaction, n("3").redaction]).toEqual(["11.3", undefined]);
    expect([n("7").knockJoinRule, n("8").knockJoinRule, n("6").knockJoinRule]).toEqual(["4.6.1", "4.7.1", undefined]);
    expect([n("5").authRoom, n("12").authRoom, n("12").federate, n("11").federate]).toEqual(["2.5", "3.4", "4", "3"]);
    expect([n("5").memberUnknown, n("7").memberUnknown, n("9").memberUnknown, n("12").memberUnknown]).toEqual(["5.6", "4.7", "4.8", "5.8"]);
  });
});

describe("checkAuthRules", () => {
  const v = (id: string) => getRoomVersion(id);
  const create = event({ type: "m.room.create", sender: "@alice:a.example", stateKey: "", content: { creator: "@alice:a.example" }, prevEvents: [] });
  const aliceJoin = event({ type: "m.room.member", sender: "@alice:a.example", stateKey: "@alice:a.example", content: { membership: "join" } });

  it("is deterministic and does not change its inputs", () => {
    const pl = event({ type: "m.room.power_levels", sender: "@alice:a.example", stateKey: "", content: { users: { "@alice:a.example": "100" }, ban: "x" } });
    const state = stateOf(create, aliceJoin, pl);
    const before = JSON.stringify([...state.values()]);
    const msg = event({ type: "m.room.message", sender: "@alice:a.example", content: { body: "x" } });
    expect(checkAuthRules(msg, state, v("5"))).toEqual({ allowed: true });
    expect(checkAuthRules(msg, state, v("5"))).toEqual({ allowed: true });
    expect(JSON.stringify([...state.values()])).toBe(before);
  });

  it("refuses with a human reason that names the rule's subject", () => {
    const state = stateOf(create, aliceJoin);
    const result = checkAuthRules(event({ type: "m.room.message", sender: "@bob:b.example", content: {} }), state, v("6"));
    expect(result).toEqual({ allowed: false, rule: "5", reason: "@bob:b.example is not joined" });
  });

  it("parses a power-levels event once per mode, whatever the number of checks", () => {
    const content: JsonObject = { users: { "@alice:a.example": 100 }, events_default: "0" };
    const pl = event({ type: "m.room.power_levels", sender: "@alice:a.example", stateKey: "", content });
    const state = stateOf(create, aliceJoin, pl);
    const msg = event({ type: "m.room.message", sender: "@alice:a.example", content: { body: "x" } });
    const first = parsedPowerLevels(content, "string");
    for (let i = 0; i < 20_000; i++) checkAuthRules(msg, state, v("9"));
    expect(parsedPowerLevels(content, "string")).toBe(first);
    expect(parsedPowerLevels(content, "integer")).not.toBe(first);
  });

  it("v10+ refuses a float-valued power level that a v6–v9 room would also refuse, and v1–v5 accept", () => {
    const content = parseJsonObject('{"users":{"@alice:a.example":100,"@bob:b.example":50.5}}');
    const pl = event({ type: "m.room.power_levels", sender: "@alice:a.example", stateKey: "", content });
    const state = stateOf(create, aliceJoin);
    expect(checkAuthRules(pl, state, v("5")).allowed).toBe(true);
    expect(checkAuthRules(pl, state, v("6"))).toMatchObject({ allowed: false, rule: "9.1" });
    expect(checkAuthRules(pl, state, v("10"))).toMatchObject({ allowed: false, rule: "9.3" });
  });
});

describe("authEventTypes", () => {
  it("lists each pair once, even when the target is the sender", () => {
    const join = event({ type: "m.room.member", sender: "@a:a.example", stateKey: "@a:a.example", content: { membership: "join" } });
    const keys = authEventTypes(join, getRoomVersion("10"));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.map(splitStateKey)).toHaveLength(4);
  });
});

describe("third-party invites", () => {
  const alice = "@alice:a.example";
  const carol = "@carol:c.example";
  const key = signingKeyFromSeed(new Uint8Array(32).fill(3), "ed25519:0");
  const signed = signJson({ mxid: carol, token: "tok" }, "id.example", key);
  const create = event({ type: "m.room.create", sender: alice, stateKey: "", content: { creator: alice }, prevEvents: [] });
  const aliceJoin = event({ type: "m.room.member", sender: alice, stateKey: alice, content: { membership: "join" } });
  const invite = event({
    type: "m.room.member",
    sender: alice,
    stateKey: carol,
    content: { membership: "invite", third_party_invite: { display_name: "c", signed } },
  });
  const urlSafe = Buffer.from(key.publicKey, "base64").toString("base64url");
  const tpi = (publicKey: string) => event({ type: "m.room.third_party_invite", sender: alice, stateKey: "tok", content: { public_key: publicKey } });

  it("accepts the identity server's key in standard or URL-safe base64", () => {
    expect(checkAuthRules(invite, stateOf(create, aliceJoin, tpi(key.publicKey)), getRoomVersion("10"))).toEqual({ allowed: true });
    expect(checkAuthRules(invite, stateOf(create, aliceJoin, tpi(urlSafe)), getRoomVersion("10"))).toEqual({ allowed: true });
  });

  it("refuses under the last sub-rule when the key is malformed", () => {
    expect(checkAuthRules(invite, stateOf(create, aliceJoin, tpi("not base64!")), getRoomVersion("10"))).toMatchObject({ allowed: false, rule: "4.4.1.8" });
  });
});

describe("authStateFromAuthEvents", () => {
  it("v12: puts the separately passed create event in the state", () => {
    const create: AuthEvent = { ...event({ type: "m.room.create", sender: "@a:a.example", stateKey: "", prevEvents: [] }), roomId: undefined, eventId: "$abc" };
    const join = { ...event({ type: "m.room.member", sender: "@a:a.example", stateKey: "@a:a.example", content: { membership: "join" } }), roomId: "!abc" };
    const msg = { ...event({ type: "m.room.message", sender: "@a:a.example" }), roomId: "!abc" };
    const result = authStateFromAuthEvents(msg, [join], getRoomVersion("12"), create);
    expect(result.ok && result.state.get(stateKeyOf("m.room.create", ""))).toBe(create);
    expect(result.ok && checkAuthRules(msg, result.state, getRoomVersion("12"))).toEqual({ allowed: true });
  });
});

describe("invalid power levels", () => {
  it("refuse under the rule that reads them, naming the value", () => {
    const alice = "@alice:a.example";
    const create = event({ type: "m.room.create", sender: alice, stateKey: "", content: { creator: alice }, prevEvents: [] });
    const join = event({ type: "m.room.member", sender: alice, stateKey: alice, content: { membership: "join" } });
    const pl = event({ type: "m.room.power_levels", sender: alice, stateKey: "", content: { users: { [alice]: 100 }, state_default: "high" } });
    const topic = event({ type: "m.room.topic", sender: alice, stateKey: "", content: { topic: "x" } });
    expect(checkAuthRules(topic, stateOf(create, join, pl), getRoomVersion("9"))).toEqual({
      allowed: false,
      rule: "7",
      reason: "state_default in m.room.power_levels is not a valid power level",
    });
  });
});
