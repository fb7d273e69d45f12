import { describe, expect, it } from "vitest";
import { z } from "zod";
import { boundedPdus, makeJoinResponse, RESPONSE_LIMITS, sendJoinResponse } from "@/lib/federation/client/endpoints";
import { errcodeOf, FederationHttpError, FederationResponseError, encodeQuery, parseResponse } from "@/lib/federation/client/request";
import { keysFromNotary, verifyKeyObject } from "@/lib/federation/keys/remote-keys";
import { buildServerKeyResponse } from "@/lib/federation/keys/key-server";
import { JsonNumber } from "@/lib/matrix/json-value";
import { generateSigningKey } from "@/lib/matrix/signing-key";
import { signJson } from "@/lib/matrix/signatures";

describe("parseResponse", () => {
  it("parses losslessly and validates the shape", () => {
    const body = parseResponse(
      "a.org",
      "GET /backfill",
      { status: 200, body: '{"origin":"a.org","pdus":[{"depth":9007199254740993}]}' },
      z.object({ pdus: z.array(z.record(z.string(), z.unknown())) }),
    );
    const depth = body.pdus[0]?.depth;
    expect(depth).toBeInstanceOf(JsonNumber);
    expect((depth as JsonNumber).text).toBe("9007199254740993");
  });

  it("turns non-2xx answers into FederationHttpError with the errcode", () => {
    const attempt = () => parseResponse("a.org", "GET /x", { status: 403, body: '{"errcode":"M_FORBIDDEN","error":"Host not in room."}' }, z.unknown());
    expect(attempt).toThrow(FederationHttpError);
    expect(attempt).toThrow(/403 M_FORBIDDEN/);
  });

  it("rejects bodies that are not JSON or have the wrong shape", () => {
    expect(() => parseResponse("a.org", "GET /x", { status: 200, body: "<html>" }, z.unknown())).toThrow(FederationResponseError);
    expect(() => parseResponse("a.org", "GET /make_join", { status: 200, body: '{"room_version":"11"}' }, makeJoinResponse)).toThrow(/unexpected response/);
    expect(() => parseResponse("a.org", "PUT /send_join", { status: 200, body: '{"state":[],"auth_chain":[1]}' }, sendJoinResponse)).toThrow(
      FederationResponseError,
    );
  });

  it("refuses an answer holding more PDUs than were asked for, and sizes answers by the PDUs asked for", () => {
    const answer = (n: number) => ({ status: 200, body: JSON.stringify({ pdus: Array.from({ length: n }, (_, i) => ({ depth: i })) }) });
    const schema = z.object({ pdus: boundedPdus(100) });
    expect(parseResponse("a.org", "GET /backfill", answer(100), schema).pdus).toHaveLength(100);
    expect(() => parseResponse("a.org", "GET /backfill", answer(101), schema)).toThrow(/more than the 100 PDUs asked for/);
    // 100 PDUs of the largest size the spec allows fit; the transport refuses anything bigger unread.
    expect(RESPONSE_LIMITS.pdus(100)).toBeGreaterThanOrEqual(100 * 65_536);
    expect(RESPONSE_LIMITS.pdus(100)).toBeLessThan(8 * 1024 * 1024);
    expect(RESPONSE_LIMITS.event).toBeLessThan(256 * 1024);
  });

  it("reads errcodes only from JSON objects", () => {
    expect(errcodeOf('{"errcode":"M_UNRECOGNIZED"}')).toBe("M_UNRECOGNIZED");
    expect(errcodeOf('""')).toBeUndefined();
    expect(errcodeOf("404 page not found")).toBeUndefined();
  });
});

describe("encodeQuery", () => {
  it("repeats keys and percent-encodes values exactly as they will be signed", () => {
    expect(
      encodeQuery([
        ["ver", "1"],
        ["ver", "11"],
        ["v", "$a/b+c"],
      ]),
    ).toBe("?ver=1&ver=11&v=%24a%2Fb%2Bc");
    expect(encodeQuery([])).toBe("");
  });
});

describe("verifyKeyObject", () => {
  const key = generateSigningKey();
  const now = 1_700_000_000_000;

  it("accepts a self-signed key response and caps validity at fetch time + 7 days", () => {
    const body = buildServerKeyResponse("remote.example", key, now);
    const keys = verifyKeyObject("remote.example", body, now);
    expect(keys).toEqual([{ serverName: "remote.example", keyId: key.keyId, publicKey: key.publicKey, validUntilTs: now + 24 * 3600 * 1000 }]);
    const long = signJson({ ...body, valid_until_ts: now + 365 * 24 * 3600 * 1000, signatures: {} }, "remote.example", key);
    expect(verifyKeyObject("remote.example", long, now)[0]?.validUntilTs).toBe(now + 7 * 24 * 3600 * 1000);
  });

  it("rejects a response for another server, an unsigned one, and a tampered one", () => {
    const body = buildServerKeyResponse("remote.example", key, now);
    expect(() => verifyKeyObject("other.example", body, now)).toThrow(/names remote.example/);
    expect(() => verifyKeyObject("remote.example", { ...body, signatures: {} }, now)).toThrow(/not signed/);
    expect(() => verifyKeyObject("remote.example", { ...body, valid_until_ts: now + 1 }, now)).toThrow(/bad signature/);
  });
});

describe("keysFromNotary", () => {
  const origin = generateSigningKey();
  const notary = generateSigningKey();
  const now = 1_700_000_000_000;
  const notaryKeys = [{ serverName: "notary.example", keyId: notary.keyId, publicKey: notary.publicKey, validUntilTs: now + 1e9 }];
  const originBody = buildServerKeyResponse("remote.example", origin, now);

  it("accepts key objects signed by both the origin and the notary", () => {
    const relayed = signJson(originBody, "notary.example", notary);
    const keys = keysFromNotary("remote.example", "notary.example", notaryKeys, [relayed], now);
    expect(keys.map((k) => k.publicKey)).toEqual([origin.publicKey]);
  });

  it("ignores objects the notary did not sign, another server's objects, and forged origin signatures", () => {
    expect(keysFromNotary("remote.example", "notary.example", notaryKeys, [originBody], now)).toEqual([]);
    const other = signJson(buildServerKeyResponse("other.example", origin, now), "notary.example", notary);
    expect(keysFromNotary("remote.example", "notary.example", notaryKeys, [other], now)).toEqual([]);
    // The notary vouches for keys the origin never signed: refused.
    const impostor = generateSigningKey();
    const forged = signJson(buildServerKeyResponse("remote.example", impostor, now), "notary.example", notary);
    const tampered = { ...forged, verify_keys: { [impostor.keyId]: { key: origin.publicKey } } };
    expect(keysFromNotary("remote.example", "notary.example", notaryKeys, [signJson({ ...tampered, signatures: {} }, "notary.example", notary)], now)).toEqual(
      [],
    );
  });
});
