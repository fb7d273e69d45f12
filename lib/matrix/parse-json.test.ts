import { describe, expect, it } from "vitest";

import { JsonNumber } from "@/lib/matrix/json-value";
import { parseJson, parseJsonObject } from "@/lib/matrix/parse-json";

describe("parseJson", () => {
  it("agrees with JSON.parse on ordinary JSON", () => {
    const text = '{"a":[1,-2,0,true,false,null,"x\\u00e9\\n\\"\\\\\\/"],"b":{"c":{}},"d":[]}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it("keeps big integers and non-integer literals as text", () => {
    const value = parseJson('{"d":9223372036854775807,"f":1.0,"e":1e10,"n":-9007199254740992,"ok":9007199254740991}');
    expect(value).toEqual({
      d: new JsonNumber("9223372036854775807"),
      f: new JsonNumber("1.0"),
      e: new JsonNumber("1e10"),
      n: new JsonNumber("-9007199254740992"),
      ok: 9007199254740991,
    });
  });

  it("reads -0 as the integer 0", () => {
    expect(Object.is(parseJson("-0"), 0)).toBe(true);
  });

  it("keeps __proto__ as an ordinary key", () => {
    const value = parseJsonObject('{"__proto__":{"x":1}}');
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it("combines escaped surrogate pairs and rejects lone surrogates", () => {
    expect(parseJson('"\\ud83d\\ude00"')).toBe("😀");
    for (const bad of ['"\\ud83d"', '"\\ude00x"', '"a\\ud800\\u0041"']) {
      expect(() => parseJson(bad), bad).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    }
  });

  it("rejects what JSON forbids", () => {
    for (const bad of ["", "{", '{"a":1,}', "[1,]", "01", "+1", "1.", ".5", "NaN", '"\u0001"', '{"a" 1}', "tru", "[] []", "'a'", '"\\x"']) {
      expect(() => parseJson(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    }
  });

  it("rejects invalid UTF-8 bytes", () => {
    expect(() => parseJson(new Uint8Array([0x22, 0xff, 0x22]))).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
    expect(parseJson(new TextEncoder().encode('"日本"'))).toBe("日本");
  });

  it("rejects absurd nesting instead of overflowing the stack", () => {
    expect(() => parseJson("[".repeat(10000) + "]".repeat(10000))).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
  });

  it("requires an object where asked", () => {
    expect(() => parseJsonObject("[]")).toThrow(expect.objectContaining({ code: "M_BAD_JSON" }));
  });
});
