import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

import { loadRooms, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { canonicalJson, canonicalJsonReference, canonicalMembers, type CanonicalJsonMode } from "@/lib/matrix/canonical-json";
import { JsonNumber, setOwn, type JsonObject } from "@/lib/matrix/json-value";
import { parseJson } from "@/lib/matrix/parse-json";

// canonicalJson writes most values with JSON.stringify. These tests hold it to the reference
// encoder: the same text, or the same error, for every value, in both modes.

function outcome(encode: () => string): { text: string } | { error: string; code: unknown } {
  try {
    return { text: encode() };
  } catch (error) {
    return { error: (error as Error).message, code: (error as { code?: unknown }).code };
  }
}

function expectSame(value: unknown): void {
  for (const mode of ["strict", "compat"] as CanonicalJsonMode[]) {
    expect(outcome(() => canonicalJson(value, mode))).toEqual(outcome(() => canonicalJsonReference(value, mode)));
  }
}

function nested(depth: number, leaf: unknown, wrap: (inner: unknown) => unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = wrap(value);
  return value;
}

const withProto = (): JsonObject => {
  const o: JsonObject = { a: 1 };
  setOwn(o, "__proto__", { polluted: true });
  return o;
};
class Thing {
  a = 1;
}

const adversarial: Array<[string, unknown]> = [
  ["escapes", { s: '"\\/\u0000\u0007\b\t\n\u000b\f\r\u001f\u007f\u0080\u00ff\u2028\u2029\ufeff\uffff' }],
  ["escaped-looking text", { s: "\\u00e9 \\ud800 \\\\ud800 \\n" }],
  ["non-ASCII", { é: "ü", 中: "文", "😀": "🎉", "\u{10ffff}": "\u{10000}" }],
  ["astral key before a U+E000 key (UTF-16 order differs)", { "\ue000": 1, "😀": 2 }],
  ["astral key after a U+E000 key in insertion order", { "😀": 2, "\ue000": 1 }],
  ["lone high surrogate in a value", { a: "x\ud800" }],
  ["lone low surrogate in a value", { a: "\udc00y" }],
  ["lone surrogate in a key", { "\udbff": 1 }],
  ["lone surrogate deep in an array", { a: [[["ok", "\ud83d"]]] }],
  ["reversed pair", { a: "\ude00\ud83d" }],
  ["integer-like keys (property order is not insertion order)", { b: 1, "10": 2, "9": 3, "0": 4, a: 5 }],
  ["integer-like and padded keys", { "01": 1, "1": 2, "-1": 3, "4294967295": 4, "4294967294": 5 }],
  ["unsorted keys", { b: 1, a: 2 }],
  ["keys sorted except deep inside", { a: { b: { d: 1, c: 2 } }, b: 1 }],
  ["empty key", { "": 1, a: { "": [] } }],
  ["own __proto__ key", withProto()],
  ["null-prototype object", Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
  ["class instance", { a: new Thing() }],
  ["date", { a: new Date(0) }],
  ["undefined member", { a: 1, b: undefined, c: 3 }],
  ["undefined in an array", { a: [1, undefined, 3] }],
  ["array hole", { a: [1, , 3] }],
  ["function member", { a: () => 1 }],
  ["bigint", { a: 1n }],
  ["symbol", { a: Symbol("s") }],
  ["safe integer edges", { a: 2 ** 53 - 1, b: -(2 ** 53 - 1), c: 0, d: -0 }],
  ["unsafe integers", { a: 2 ** 53 }],
  ["1e21", { a: 1e21 }],
  ["float", { a: 1.5, b: -0.000001, c: 1e-7 }],
  ["NaN", { a: Number.NaN }],
  ["Infinity", { a: -Infinity }],
  ["JsonNumber big integer", { depth: new JsonNumber("9223372036854775807") }],
  ["JsonNumber float", { pl: new JsonNumber("50.0"), x: new JsonNumber("1E400") }],
  ["deep objects", nested(600, "x", (inner) => ({ k: inner }))],
  ["deep arrays", nested(600, 1, (inner) => [inner])],
  ["deep, lone surrogate at the bottom", nested(300, "\ud800", (inner) => ({ k: [inner] }))],
  ["top-level string", "a\u2028b"],
  ["top-level number", 42],
  ["top-level null", null],
  ["top-level undefined", undefined],
  ["toJSON member that is not a function", { toJSON: "x", a: { toJSON: { b: 1 } } }],
];

describe("canonicalJson's JSON.stringify shortcut", () => {
  it.each(adversarial)("matches the reference encoder: %s", (_name, value) => {
    expectSame(value);
  });

  it("is taken for recorded PDUs: one JSON.stringify for the whole event", () => {
    const room = loadRooms()[0]!;
    const pdu = toPdu(room.served[0]!, room.roomVersion);
    const stringify = vi.spyOn(JSON, "stringify");
    try {
      canonicalJson(pdu, "compat");
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it("matches the reference encoder on parsed text: duplicates, escapes, big numbers", () => {
    for (const text of [
      '{"a":1,"b":2,"a":3}',
      '{"b":1,"a":2,"b":3}',
      '{"a":"\\u00e9\\ud83d\\ude00\\u2028\\/"}',
      '{"depth":9223372036854775807,"n":-0,"f":1.0,"e":1e2}',
      '{"z":{"y":{"x":[{"b":1,"a":2}]}}}',
    ]) {
      expectSame(parseJson(text));
    }
  });

  it("matches the reference encoder on every recorded PDU, whole and member by member", () => {
    for (const room of loadRooms()) {
      for (const served of room.served) {
        const pdu = toPdu(served, room.roomVersion);
        expectSame(pdu);
        expectSame(served);
        for (const value of Object.values(pdu)) expectSame(value);
      }
    }
  });

  it("matches the reference encoder on arbitrary JSON with awkward keys (property)", () => {
    const key = fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 4 }),
      fc.string({ unit: "binary", maxLength: 4 }),
      fc.constantFrom("", "0", "1", "10", "01", "-1", "__proto__", "toJSON", "\ue000", "😀", "\ud800"),
    );
    const tree = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string({ unit: "binary" }),
        fc.string({ unit: "grapheme" }),
        fc.integer(),
        fc.constantFrom(2 ** 53 - 1, 2 ** 53, -0, 1.5, 1e21),
        fc.boolean(),
        fc.constant(null),
        fc.bigInt().map((n) => new JsonNumber(String(n * 10n ** 20n))),
        fc.array(tie("value"), { maxLength: 4 }),
        fc.dictionary(key, tie("value"), { maxKeys: 5 }),
      ),
    }));
    fc.assert(
      fc.property(tree.value, (value) => {
        expectSame(value);
        // Sorted copies take the shortcut where the originals may not.
        const text = outcome(() => canonicalJsonReference(value, "compat"));
        if ("text" in text) expectSame(parseJson(text.text));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("canonicalMembers", () => {
  it("joins to canonicalJson, or throws what it throws", () => {
    const cases: unknown[] = [...adversarial.map(([, value]) => value), ...loadRooms().flatMap((room) => room.served)];
    for (const value of cases) {
      if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof JsonNumber) continue;
      for (const mode of ["strict", "compat"] as CanonicalJsonMode[]) {
        const joined = outcome(
          () =>
            `{${canonicalMembers(value as JsonObject, mode)
              .map((m) => m.text)
              .join(",")}}`,
        );
        expect(joined).toEqual(outcome(() => canonicalJsonReference(value, mode)));
      }
    }
  });
});
