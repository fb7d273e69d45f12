import fc from "fast-check";
import { describe, expect, it } from "vitest";

import vectors from "@/lib/matrix/__vectors__/canonical-json.json";
import { canonicalJson, compareCodePoints, pythonFloatRepr } from "@/lib/matrix/canonical-json";
import { JsonNumber } from "@/lib/matrix/json-value";
import { parseJson } from "@/lib/matrix/parse-json";

describe("canonical JSON", () => {
  it.each(vectors.spec)("spec example $output", ({ input, output }) => {
    expect(canonicalJson(JSON.parse(input))).toBe(output);
  });

  it.each(vectors.derived)("orders keys by code point: $output", ({ input, output }) => {
    expect(canonicalJson(JSON.parse(input))).toBe(output);
    expect(canonicalJson(parseJson(input))).toBe(output);
  });

  it("gives the spec output from the lossless parser where no float is involved", () => {
    for (const { input, output } of vectors.spec.filter((v) => !v.input.includes("1e10"))) {
      expect(canonicalJson(parseJson(input))).toBe(output);
    }
  });

  it("escapes only quote, backslash and control characters, lower-case hex", () => {
    const value = { s: '"\\/\u0000\u0007\b\t\n\u000b\f\r\u001f\u007f\u2028é😀' };
    expect(canonicalJson(value)).toBe('{"s":"\\"\\\\/\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f\u007f\u2028é😀"}');
  });

  it("rejects lone surrogates in values and keys", () => {
    expect(() => canonicalJson({ a: "\ud800" })).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    expect(() => canonicalJson({ "\udc00": 1 })).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
  });

  it("rejects floats and out-of-range integers in strict mode", () => {
    for (const bad of [1.5, 2 ** 53, -(2 ** 53), Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => canonicalJson({ a: bad }), String(bad)).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    }
    expect(() => canonicalJson({ a: new JsonNumber("9223372036854775807") })).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    expect(canonicalJson({ a: 2 ** 53 - 1, b: -(2 ** 53) + 1 })).toBe('{"a":9007199254740991,"b":-9007199254740991}');
  });

  it("re-emits big integers digit for digit and floats as Python does in compat mode", () => {
    const parsed = parseJson('{"depth": 9223372036854775807, "pl": 50.0, "x": 1e100, "y": 0.00001, "z": -2.5}');
    expect(canonicalJson(parsed, "compat")).toBe('{"depth":9223372036854775807,"pl":50.0,"x":1e+100,"y":1e-05,"z":-2.5}');
  });

  it("skips undefined object values like JSON.stringify", () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it("sorts like UTF-8 byte order for any keys (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { maxLength: 12 }), (keys) => {
        const byCodePoint = [...keys].sort(compareCodePoints);
        const byBytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        expect(byCodePoint).toEqual(byBytes);
      }),
    );
  });

  it("round-trips through the lossless parser (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        let text: string;
        try {
          text = canonicalJson(value);
        } catch {
          return; // floats, -0 keys etc. are not canonical; covered above
        }
        expect(canonicalJson(parseJson(text))).toBe(text);
      }),
    );
  });
});

describe("pythonFloatRepr", () => {
  it.each([
    [50, "50.0"],
    [0.1, "0.1"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789.125, "123456789.125"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [-0, "-0.0"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
  ])("%s → %s", (value, repr) => {
    expect(pythonFloatRepr(value)).toBe(repr);
  });
});
