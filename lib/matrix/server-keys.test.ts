import { describe, expect, it } from "vitest";

import type { JsonObject } from "@/lib/matrix/json-value";
import { buildServerKeyResponse, MAX_KEY_VALIDITY_MS, parseServerKeyResponse } from "@/lib/matrix/server-keys";
import { signJson } from "@/lib/matrix/signatures";
import { generateSigningKey } from "@/lib/matrix/signing-key";

const key = generateSigningKey();
const old = generateSigningKey();
const NOW = 1_700_000_000_000;
const response = buildServerKeyResponse({
  serverName: "archive.example",
  keys: [key],
  validUntilTs: NOW + 3_600_000,
  oldKeys: [{ keyId: old.keyId, publicKey: old.publicKey, expiredTs: NOW - 1000 }],
});
const bad = expect.objectContaining({ code: "M_BAD_KEY_RESPONSE" });

describe("server key responses", () => {
  it("round-trips our own response", () => {
    expect(parseServerKeyResponse(response, "archive.example", NOW)).toEqual({
      serverName: "archive.example",
      validUntilTs: NOW + 3_600_000,
      verifyKeys: { [key.keyId]: { key: key.publicKey, validUntilTs: NOW + 3_600_000 } },
      oldVerifyKeys: { [old.keyId]: { key: old.publicKey, expiredTs: NOW - 1000 } },
    });
  });

  it("trusts a key for at most 7 days after fetching", () => {
    const long = buildServerKeyResponse({ serverName: "archive.example", keys: [key], validUntilTs: NOW + 30 * MAX_KEY_VALIDITY_MS });
    expect(parseServerKeyResponse(long, "archive.example", NOW).validUntilTs).toBe(NOW + MAX_KEY_VALIDITY_MS);
  });

  it("rejects answers for another server, unsigned, badly signed or malformed", () => {
    expect(() => parseServerKeyResponse(response, "other.example", NOW)).toThrow(bad);
    const { signatures: _dropped, ...unsigned } = response;
    expect(() => parseServerKeyResponse(unsigned, "archive.example", NOW)).toThrow(bad);
    expect(() => parseServerKeyResponse({ ...response, valid_until_ts: NOW }, "archive.example", NOW)).toThrow(bad);
    const byStranger = signJson(unsigned, "archive.example", generateSigningKey());
    expect(() => parseServerKeyResponse(byStranger, "archive.example", NOW)).toThrow(bad);
    const shortKey: JsonObject = { ...unsigned, verify_keys: { [key.keyId]: { key: "AAAA" } } };
    expect(() => parseServerKeyResponse(signJson(shortKey, "archive.example", key), "archive.example", NOW)).toThrow(bad);
    expect(() => parseServerKeyResponse([], "archive.example", NOW)).toThrow(bad);
  });

  it("ignores other servers' signatures and unknown algorithms", () => {
    const notarised = signJson(response, "notary.example", generateSigningKey());
    expect(parseServerKeyResponse(notarised, "archive.example", NOW).verifyKeys[key.keyId]).toBeDefined();
    const { signatures: _s, ...body } = response;
    const extra = signJson({ ...body, verify_keys: { ...(body.verify_keys as JsonObject), "curve25519:x": { key: "abc" } } }, "archive.example", key);
    expect(Object.keys(parseServerKeyResponse(extra, "archive.example", NOW).verifyKeys)).toEqual([key.keyId]);
  });
});
