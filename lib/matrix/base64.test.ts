import fc from "fast-check";
import { describe, expect, it } from "vitest";

import vectors from "@/lib/matrix/__vectors__/base64.json";
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from "@/lib/matrix/base64";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("unpadded base64", () => {
  it.each(vectors.vectors)("encodes $plain as $encoded", ({ plain, encoded }) => {
    expect(encodeBase64(bytes(plain))).toBe(encoded);
    expect(Buffer.from(decodeBase64(encoded)).toString("utf8")).toBe(plain);
  });

  it("accepts padded input", () => {
    expect(Buffer.from(decodeBase64("Zm8=")).toString()).toBe("fo");
    expect(Buffer.from(decodeBase64("Zg==")).toString()).toBe("f");
  });

  it("rejects characters outside the alphabet, impossible lengths and bad padding", () => {
    for (const bad of ["Zm9v!", "Z", "Zm9vY", "Zg=", "Zm8==", "Zm-v", "Zg==="]) {
      expect(() => decodeBase64(bad), bad).toThrow(expect.objectContaining({ code: "M_BAD_BASE64" }));
    }
  });
});

describe("URL-safe unpadded base64", () => {
  const sample = new Uint8Array([0xfb, 0xff, 0xbf, 0x3e]);

  it("uses - and _ and no padding", () => {
    expect(encodeBase64(sample)).toBe("+/+/Pg");
    expect(encodeBase64Url(sample)).toBe("-_-_Pg");
    expect(decodeBase64Url("-_-_Pg")).toEqual(sample);
    expect(decodeBase64Url("-_-_Pg==")).toEqual(sample);
  });

  it("does not accept the standard alphabet", () => {
    expect(() => decodeBase64Url("+/+/Pg")).toThrow(expect.objectContaining({ code: "M_BAD_BASE64" }));
  });
});

describe("decoding", () => {
  const STANDARD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const URL_SAFE = STANDARD.slice(0, 62) + "-_";
  const text = (alphabet: string) =>
    fc
      .array(fc.integer({ min: 0, max: 63 }), { maxLength: 200 })
      .map((digits) => digits.map((d) => alphabet[d]).join(""))
      .filter((t) => t.length % 4 !== 1);

  it("gives Node's bytes for every valid text, spare low bits included (property)", () => {
    fc.assert(
      fc.property(text(STANDARD), (t) => {
        expect(Buffer.from(decodeBase64(t)).equals(Buffer.from(t, "base64"))).toBe(true);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(text(URL_SAFE), (t) => {
        expect(Buffer.from(decodeBase64Url(t)).equals(Buffer.from(t, "base64url"))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it("round-trips every byte string, padded or not (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        expect(decodeBase64(encodeBase64(b))).toEqual(b);
        expect(decodeBase64(Buffer.from(b).toString("base64"))).toEqual(b);
        expect(decodeBase64Url(encodeBase64Url(b))).toEqual(b);
      }),
    );
  });
});
