import { describe, expect, it } from "vitest";

import vectors from "@/lib/matrix/__vectors__/signing.json";
import { decodeBase64 } from "@/lib/matrix/base64";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { asJson } from "@/lib/matrix/__vectors__/as-json";
import { signJson, verifyJsonSignature } from "@/lib/matrix/signatures";
import { deriveKeyId, formatSigningKeyFile, generateSigningKey, parseSigningKeyFile, signingKeyFromSeed } from "@/lib/matrix/signing-key";

const key = signingKeyFromSeed(decodeBase64(vectors.seed), vectors.keyId);

describe("signing keys", () => {
  it("derives the public key of the spec seed", () => {
    expect(key.publicKey).toBe(vectors.publicKey);
  });

  it("reads and writes the ed25519 <version> <seed> file format", () => {
    const text = `ed25519 1 ${vectors.seed}\n`;
    const [parsed, ...rest] = parseSigningKeyFile(text);
    expect(rest).toHaveLength(0);
    expect(parsed?.keyId).toBe("ed25519:1");
    expect(parsed?.publicKey).toBe(vectors.publicKey);
    // The spec's seed has stray low bits in its last character; writing it back normalises them.
    const written = formatSigningKeyFile([key]);
    expect(written).toBe(`ed25519 1 ${vectors.seed.slice(0, -1)}0\n`);
    expect(parseSigningKeyFile(written)[0]?.publicKey).toBe(vectors.publicKey);
    const padded = parseSigningKeyFile(`ed25519 a_AbCd ${vectors.seed}=\n\n`);
    expect(padded.map((k) => [k.keyId, k.publicKey])).toEqual([["ed25519:a_AbCd", vectors.publicKey]]);
  });

  it("rejects malformed key files", () => {
    for (const bad of ["", "ed25519 1", "curve25519 1 " + vectors.seed, "ed25519 1 Zm9v", "ed25519 bad-id " + vectors.seed]) {
      expect(() => parseSigningKeyFile(bad), bad).toThrow(expect.objectContaining({ code: "M_BAD_SIGNING_KEY" }));
    }
  });

  it("derives a stable, grammar-valid key ID from the public key", () => {
    const generated = generateSigningKey();
    expect(generated.keyId).toBe(deriveKeyId(generated.publicKey));
    expect(generated.keyId).toMatch(/^ed25519:[a-zA-Z0-9_]+$/);
    expect(deriveKeyId(vectors.publicKey)).toBe(deriveKeyId(vectors.publicKey));
    expect(generateSigningKey().keyId).not.toBe(generated.keyId);
  });
});

describe("signing JSON", () => {
  it.each(vectors.json)("signs $input byte-exactly", ({ input, output }) => {
    const signed = signJson(asJson(input), vectors.serverName, key);
    expect(canonicalJson(signed)).toBe(canonicalJson(output));
  });

  it.each(vectors.json)("verifies the spec signature of $input", ({ output }) => {
    expect(verifyJsonSignature(asJson(output), vectors.serverName, vectors.keyId, vectors.publicKey)).toBe("valid");
  });

  it("keeps other signatures and unsigned", () => {
    const signed = signJson({ a: 1, unsigned: { age: 5 }, signatures: { other: { "ed25519:x": "sig" } } }, "domain", key);
    expect(signed.unsigned).toEqual({ age: 5 });
    expect(signed.signatures).toEqual({ other: { "ed25519:x": "sig" }, domain: { "ed25519:1": expect.any(String) } });
    expect(verifyJsonSignature(signed, "domain", "ed25519:1", key.publicKey)).toBe("valid");
  });

  it("reports invalid and not-signed", () => {
    const [first] = vectors.json;
    const signed = { ...asJson(first?.output), extra: true };
    expect(verifyJsonSignature(signed, "domain", "ed25519:1", vectors.publicKey)).toBe("invalid");
    expect(verifyJsonSignature(signed, "domain", "ed25519:2", vectors.publicKey)).toBe("not_signed");
    expect(verifyJsonSignature(signed, "elsewhere", "ed25519:1", vectors.publicKey)).toBe("not_signed");
    expect(verifyJsonSignature({ signatures: { domain: { "ed25519:1": "!!" } } }, "domain", "ed25519:1", vectors.publicKey)).toBe("invalid");
    expect(verifyJsonSignature(asJson(first?.output), "domain", "ed25519:1", generateSigningKey().publicKey)).toBe("invalid");
  });
});
