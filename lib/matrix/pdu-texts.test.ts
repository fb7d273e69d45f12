import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { loadRooms, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { canonicalJsonReference } from "@/lib/matrix/canonical-json";
import { checkContentHash, contentHashMatchesText } from "@/lib/matrix/event-hashes";
import { utf8Length } from "@/lib/matrix/identifiers";
import { JsonNumber, setOwn, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { pduTexts } from "@/lib/matrix/pdu-texts";
import { redactEvent } from "@/lib/matrix/redaction";
import { getRoomVersion, SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";
import { signingPayload } from "@/lib/matrix/signatures";

// pduTexts builds verifyPdu's three texts from one encoding of the PDU's members; here each is
// held to the way it was built before, from the objects, with the reference encoder.

function expected(pdu: JsonObject, roomVersion: string) {
  const version = getRoomVersion(roomVersion);
  const mode = version.canonicalJson;
  const rest: JsonObject = {};
  for (const key of Object.keys(pdu)) {
    if (key !== "unsigned" && key !== "signatures" && key !== "hashes" && pdu[key] !== undefined) setOwn(rest, key, pdu[key]!);
  }
  return {
    bytes: utf8Length(canonicalJsonReference(pdu, mode)),
    signed: signingPayload(redactEvent(pdu, version), mode).toString("utf8"),
    hashed: canonicalJsonReference(rest, mode),
  };
}

function outcome(run: () => { bytes: number; signed: string; hashed: string }) {
  try {
    return run();
  } catch (error) {
    return { error: (error as Error).message, code: (error as { code?: unknown }).code };
  }
}

function expectSameTexts(pdu: JsonObject, roomVersion: string): void {
  const fast = outcome(() => {
    const texts = pduTexts(pdu, roomVersion);
    return { bytes: texts.bytes, signed: texts.signed.toString("utf8"), hashed: texts.hashed };
  });
  expect(fast).toEqual(outcome(() => expected(pdu, roomVersion)));
}

const recorded = loadRooms().flatMap((room) => room.served.map((served) => ({ roomVersion: room.roomVersion, pdu: toPdu(served, room.roomVersion) })));

const awkwardContent: JsonValue[] = [
  { body: 'é😀\u2028\u0000"\\', msgtype: "m.text" },
  { "😀": 1, "\ue000": 2, "10": 3, "9": 4, "": 5 },
  { membership: "join", join_authorised_via_users_server: "@x:y", third_party_invite: { signed: { b: 1, a: 2 }, display_name: "d" } },
  { creator: "@a:b", room_version: "1", "m.federate": true },
  { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: "!r:x" }] },
  { ban: 50, events: { "m.room.name": 100 }, users: { "@a:b": 100 }, invite: 0, notifications: { room: 50 } },
  { history_visibility: "world_readable", extra: [1, 2, 3] },
  { aliases: ["#a:b"], redacts: "$x" },
  { big: new JsonNumber("9223372036854775807"), float: new JsonNumber("50.0") },
  { a: "\ud800" },
  { deep: JSON.parse("[".repeat(300) + "]".repeat(300)) as JsonValue },
  { b: { d: 1, c: 2 }, a: 0 },
];

describe("pduTexts", () => {
  it("gives the texts of the objects on every recorded PDU", () => {
    for (const { pdu, roomVersion } of recorded) expectSameTexts(pdu, roomVersion);
  });

  it("gives the texts of the objects, or the same error, on awkward PDUs of every type and room version", () => {
    const types = [
      "m.room.message",
      "m.room.member",
      "m.room.create",
      "m.room.join_rules",
      "m.room.power_levels",
      "m.room.history_visibility",
      "m.room.aliases",
      "m.room.redaction",
    ];
    for (const { pdu } of recorded.filter((_, i) => i % 16 === 0)) {
      for (const roomVersion of SUPPORTED_ROOM_VERSIONS) {
        for (const type of types) {
          for (const content of awkwardContent) expectSameTexts({ ...pdu, type, content }, roomVersion);
          expectSameTexts({ ...pdu, type, content: "not an object" }, roomVersion);
        }
      }
    }
  });

  it("orders and keeps top-level members like the objects do: unknown, non-ASCII, integer-like, __proto__, undefined", () => {
    const { pdu, roomVersion } = recorded[20]!;
    const extras: Array<[string, JsonValue | undefined]> = [
      ["😀", 1],
      ["\ue000", 2],
      ["0", 3],
      ["10", [4]],
      ["origin", "a.example"],
      ["membership", "join"],
      ["prev_state", []],
      ["unsigned", { age: 1, "😀": "\ud83d\ude00" }],
      ["redacts", "$x"],
      ["content", undefined],
      ["hashes", undefined],
      ["depth", new JsonNumber("9007199254740993")],
      ["sender", "@\ud800:x"],
    ];
    for (const version of SUPPORTED_ROOM_VERSIONS) {
      for (const [key, value] of extras) {
        const copy: JsonObject = { ...pdu };
        setOwn(copy, key, value as JsonValue);
        expectSameTexts(copy, version);
      }
      const proto: JsonObject = { ...pdu };
      setOwn(proto, "__proto__", { a: 1 });
      expectSameTexts(proto, version);
      expectSameTexts({ ...pdu }, roomVersion);
    }
  });

  it("gives the texts of the objects for arbitrary contents and extra members (property)", () => {
    const key = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 6 }),
      fc.constantFrom("membership", "join_authorised_via_users_server", "third_party_invite", "signed", "redacts", "10", "😀", "\ue000"),
    );
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary", maxLength: 6 }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(key, tie("value"), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(
        fc.constantFrom(...recorded),
        fc.dictionary(key, json.value, { maxKeys: 5 }),
        fc.dictionary(key, json.value, { maxKeys: 2 }),
        fc.constantFrom(...SUPPORTED_ROOM_VERSIONS),
        ({ pdu }, content, extra, roomVersion) => {
          expectSameTexts({ ...pdu, ...(extra as JsonObject), content: content as JsonObject }, roomVersion);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("contentHashMatchesText", () => {
  function claims(pdu: JsonObject): JsonValue[] {
    const claim = (pdu.hashes as JsonObject).sha256 as string;
    const flipped = claim.slice(0, 42) + (claim[42] === "A" ? "B" : "A");
    return [claim, claim + "=", flipped, claim.slice(0, 42) + String.fromCharCode(claim.charCodeAt(42) ^ 1), claim.slice(0, 40), "!!!", "", 5, null];
  }

  it("agrees with checkContentHash on recorded PDUs and on other spellings of their claims", () => {
    for (const { pdu, roomVersion } of recorded) {
      for (const sha256 of claims(pdu)) {
        for (const variant of [
          { ...pdu, hashes: { ...(pdu.hashes as JsonObject), sha256 } },
          { ...pdu, content: { changed: true } },
        ]) {
          expect(contentHashMatchesText(variant, pduTexts(variant, roomVersion).hashed)).toBe(checkContentHash(variant, roomVersion));
        }
      }
      const noHashes: JsonObject = { ...pdu };
      delete noHashes.hashes;
      expect(contentHashMatchesText(noHashes, pduTexts(noHashes, roomVersion).hashed)).toBe(false);
    }
    // Redacted events among them fail the check; the rest take the shortcut.
    expect(recorded.filter(({ pdu, roomVersion }) => checkContentHash(pdu, roomVersion)).length).toBeGreaterThan(recorded.length / 2);
  });
});
