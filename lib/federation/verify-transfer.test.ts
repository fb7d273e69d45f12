import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sendsAsText } from "@/lib/federation/verify-transfer";
import { loadRooms } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { JsonNumber, setOwn, type JsonObject } from "@/lib/matrix/json-value";

// A PDU the pool sends as text must come back from JSON.parse as the very same value.

function roundTrips(value: unknown): boolean {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const same = (a: unknown, b: unknown): boolean => {
    if (typeof a !== "object" || a === null) return Object.is(a, b);
    if (typeof b !== "object" || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
    if (Object.getPrototypeOf(b) !== Object.prototype && !Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k, i) => k === kb[i] && Object.prototype.hasOwnProperty.call(b, k) && same((a as JsonObject)[k], (b as JsonObject)[k]))
    );
  };
  return same(value, copy);
}

describe("sendsAsText", () => {
  it("accepts every recorded PDU, which then survives the text exactly", () => {
    for (const room of loadRooms()) {
      for (const pdu of room.served) {
        expect(sendsAsText(pdu)).toBe(true);
        expect(roundTrips(pdu)).toBe(true);
      }
    }
  });

  it("refuses what the text would change", () => {
    const proto: JsonObject = {};
    setOwn(proto, "__proto__", { a: 1 });
    expect(sendsAsText(proto)).toBe(true);
    expect(roundTrips(proto)).toBe(true);
    expect(sendsAsText({ s: "\ud800 lone", "\udc00": "key" })).toBe(true);
    expect(roundTrips({ s: "\ud800 lone", "\udc00": "key" })).toBe(true);
    const bad = [
      { a: new JsonNumber("1") },
      { a: -0 },
      { a: 1.5 },
      { a: 2 ** 53 },
      { a: undefined },
      { a: [undefined] },
      { a: new Date(0) },
      { a: 1n },
      { a: Number.NaN },
    ];
    bad.forEach((value, i) => expect(sendsAsText(value), `case ${i}`).toBe(false));
  });

  it("says true only for values the text carries exactly (property)", () => {
    fc.assert(
      fc.property(fc.anything({ withNullPrototype: true, withObjectString: true, withBigInt: true, withDate: true, withSparseArray: true }), (value) => {
        if (sendsAsText(value)) expect(roundTrips(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
