import { describe, expect, it } from "vitest";

import signing from "@/lib/matrix/__vectors__/signing.json";
import vectors from "@/lib/matrix/__vectors__/x-matrix.json";
import { decodeBase64 } from "@/lib/matrix/base64";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { parseJson } from "@/lib/matrix/parse-json";
import { generateSigningKey, signingKeyFromSeed } from "@/lib/matrix/signing-key";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { buildXMatrixAuthorization, parseXMatrixAuthorization, verifyXMatrixRequest, type XMatrixRequest } from "@/lib/matrix/x-matrix";

const key = signingKeyFromSeed(decodeBase64(signing.seed), signing.keyId);
const lookup: VerifyKeyLookup = async (server, keyId) => (server === "domain" && keyId === "ed25519:1" ? signing.publicKey : undefined);

function request(vector: (typeof vectors.vectors)[number]): XMatrixRequest {
  const { method, uri, origin, destination } = vector;
  return "content" in vector ? { method, uri, origin, destination, content: vector.content } : { method, uri, origin, destination };
}

describe("X-Matrix, outgoing", () => {
  it.each(vectors.vectors)("signs $method $uri byte-exactly", (vector) => {
    const header = buildXMatrixAuthorization(request(vector), key);
    expect(header).toBe(`X-Matrix origin="domain",destination="remote.example",key="ed25519:1",sig="${vector.sig}"`);
    const { signedJson } = vector;
    const object = {
      method: vector.method,
      uri: vector.uri,
      origin: vector.origin,
      destination: vector.destination,
      ...("content" in vector ? { content: vector.content } : {}),
    };
    expect(canonicalJson(object)).toBe(signedJson);
  });
});

describe("X-Matrix, incoming", () => {
  const [get, put] = vectors.vectors;
  if (!get || !put) throw new Error("x-matrix.json lost its vectors");
  const incoming = (authorization: string | string[] | undefined, extra: Partial<Parameters<typeof verifyXMatrixRequest>[0]> = {}) =>
    verifyXMatrixRequest({
      method: get.method,
      uri: get.uri,
      authorization,
      ourServerName: "remote.example",
      keyLookup: lookup,
      ...extra,
    });

  it("accepts the vector requests and returns the origin", async () => {
    await expect(incoming(`X-Matrix origin="domain",destination="remote.example",key="ed25519:1",sig="${get.sig}"`)).resolves.toEqual({
      ok: true,
      origin: "domain",
    });
    await expect(
      incoming(`X-Matrix origin=domain,key="ed25519:1",sig="${put.sig}"`, {
        method: "PUT",
        uri: put.uri,
        content: parseJson(JSON.stringify(put.content)),
      }),
    ).resolves.toEqual({ ok: true, origin: "domain" });
  });

  it("parses params in any order and case, with escapes, OWS and unquoted values", () => {
    expect(parseXMatrixAuthorization(`x-matrix SIG="a\\bc" , Key=ed25519:1,  origin="dom\\ain:8448",destination=remote.example,extra="1"`)).toEqual({
      origin: "domain:8448",
      destination: "remote.example",
      key: "ed25519:1",
      sig: "abc",
    });
    expect(parseXMatrixAuthorization("Bearer abc")).toBeUndefined();
  });

  it("rejects unreadable headers with 400", async () => {
    for (const bad of [
      'X-Matrix origin="domain',
      "X-Matrix origin=domain key=ed25519:1",
      'X-Matrix origin="domain",key="ed25519:1"',
      'X-Matrix origin="a b",key="ed25519:1",sig="x"',
    ]) {
      await expect(incoming(bad), bad).resolves.toMatchObject({ ok: false, code: "M_BAD_AUTH_HEADER", httpStatus: 400 });
    }
  });

  it("rejects a missing header, a wrong destination, unknown keys and bad signatures with 401", async () => {
    const good = `X-Matrix origin="domain",destination="remote.example",key="ed25519:1",sig="${get.sig}"`;
    await expect(incoming(undefined)).resolves.toMatchObject({ ok: false, code: "M_MISSING_AUTH", httpStatus: 401 });
    await expect(incoming("Bearer x")).resolves.toMatchObject({ ok: false, code: "M_MISSING_AUTH" });
    await expect(incoming(good.replace("remote.example", "other.example"))).resolves.toMatchObject({ code: "M_WRONG_DESTINATION", httpStatus: 401 });
    await expect(incoming(good.replace("ed25519:1", "ed25519:2"))).resolves.toMatchObject({ code: "M_UNKNOWN_KEY" });
    await expect(incoming(good, { uri: `${get.uri}?x=1` })).resolves.toMatchObject({ code: "M_INVALID_SIGNATURE" });
    await expect(incoming(good, { method: "PUT", content: {} })).resolves.toMatchObject({ code: "M_INVALID_SIGNATURE" });
    await expect(incoming(good, { keyLookup: async () => ({ key: signing.publicKey, expiredTs: 1 }) })).resolves.toMatchObject({ code: "M_UNKNOWN_KEY" });
    await expect(incoming(good, { keyLookup: async () => ({ key: signing.publicKey, validUntilTs: 5 }), now: 10 })).resolves.toMatchObject({
      code: "M_UNKNOWN_KEY",
    });
    await expect(incoming(good, { keyLookup: async () => ({ key: signing.publicKey, validUntilTs: 50 }), now: 10 })).resolves.toMatchObject({ ok: true });
    await expect(incoming(good, { keyLookup: async () => "l/O9hxMVKB6Lg+3Hqf0FQQZhVESQcMzbPN1Cz2nM3og" })).resolves.toMatchObject({
      code: "M_INVALID_SIGNATURE",
    });
  });

  it("requires every supplied signature to verify and one origin", async () => {
    const other = generateSigningKey();
    const good = `X-Matrix origin="domain",destination="remote.example",key="ed25519:1",sig="${get.sig}"`;
    const otherHeader = buildXMatrixAuthorization({ ...request(get), destination: "remote.example" }, other);
    const both: VerifyKeyLookup = async (_server, keyId) => (keyId === other.keyId ? other.publicKey : signing.publicKey);
    await expect(incoming([good, otherHeader], { keyLookup: both })).resolves.toEqual({ ok: true, origin: "domain" });
    await expect(incoming([good, otherHeader.replace(/sig="[^"]+"/, `sig="${get.sig}"`)], { keyLookup: both })).resolves.toMatchObject({
      code: "M_INVALID_SIGNATURE",
    });
    await expect(incoming([good, good.replace('origin="domain"', 'origin="else.example"')])).resolves.toMatchObject({ code: "M_BAD_AUTH_HEADER" });
  });

  it("keeps big integers of the body exactly as signed", async () => {
    const content = parseJson('{"pdus":[{"depth":9223372036854775807}]}');
    const header = buildXMatrixAuthorization(
      { method: "PUT", uri: "/_matrix/federation/v1/send/1", origin: "domain", destination: "remote.example", content },
      key,
    );
    await expect(incoming(header, { method: "PUT", uri: "/_matrix/federation/v1/send/1", content })).resolves.toEqual({ ok: true, origin: "domain" });
    const rounded = parseJson('{"pdus":[{"depth":9223372036854775806}]}');
    await expect(incoming(header, { method: "PUT", uri: "/_matrix/federation/v1/send/1", content: rounded })).resolves.toMatchObject({ ok: false });
  });
});

describe("X-Matrix, content without a canonical form", () => {
  it("refuses a body whose number overflows a double with a 400, not an exception (found by e2e/hostile-requests.spec.ts)", async () => {
    const content = parseJson('{"a":1e999999}');
    const result = await verifyXMatrixRequest({
      method: "POST",
      uri: "/_matrix/federation/v1/user/keys/query",
      authorization: buildXMatrixAuthorization(
        { method: "POST", uri: "/_matrix/federation/v1/user/keys/query", origin: "domain", destination: "destination" },
        key,
      ),
      content,
      ourServerName: "destination",
      keyLookup: lookup,
    });
    expect(result).toMatchObject({ ok: false, httpStatus: 400 });
  });
});
