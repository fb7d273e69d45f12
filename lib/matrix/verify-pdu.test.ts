import { describe, expect, it } from "vitest";

import { computeEventId } from "@/lib/matrix/event-id";
import { JsonNumber, type JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { signEvent } from "@/lib/matrix/sign-event";
import { generateSigningKey, type SigningKey } from "@/lib/matrix/signing-key";
import type { VerifyKey, VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

const alice = generateSigningKey();
const bob = generateSigningKey();
const keys = new Map<string, SigningKey>([
  ["a.example", alice],
  ["b.example", bob],
]);
const lookup: VerifyKeyLookup = async (server, keyId) => {
  const key = keys.get(server);
  return key && key.keyId === keyId ? key.publicKey : undefined;
};

const HASH_ID = "$" + "A".repeat(43);

function message(version: string, overrides: JsonObject = {}): JsonObject {
  const event: JsonObject = {
    type: "m.room.message",
    room_id: version === "12" ? "!" + "R".repeat(43) : "!room:a.example",
    sender: "@alice:a.example",
    origin: "a.example",
    origin_server_ts: 1_700_000_000_000,
    depth: 5,
    content: { msgtype: "m.text", body: "hello" },
    prev_events: version === "1" || version === "2" ? [["$p:a.example", { sha256: "x" }]] : [HASH_ID],
    auth_events: [],
    ...overrides,
  };
  if ((version === "1" || version === "2") && event.event_id === undefined) event.event_id = "$m1:a.example";
  return signEvent(event, version, "a.example", alice);
}

describe("verifyPdu", () => {
  it.each(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"])("accepts a good event in room version %s", async (version) => {
    const pdu = message(version);
    const result = await verifyPdu(pdu, version, lookup);
    expect(result).toEqual({ status: "accepted", eventId: computeEventId(pdu, version), pdu, redacted: false });
  });

  it("returns a copy the caller cannot change", async () => {
    const pdu = message("11");
    const result = await verifyPdu(pdu, "11", lookup);
    if (result.status !== "accepted") throw new Error(result.reason);
    expect(result.pdu).not.toBe(pdu);
    expect(result.pdu.content).not.toBe(pdu.content);
  });

  it("stores the redacted copy when the content was changed", async () => {
    const pdu = { ...message("11"), content: { msgtype: "m.text", body: "changed" } };
    const result = await verifyPdu(pdu, "11", lookup);
    expect(result).toMatchObject({ status: "accepted", redacted: true, eventId: computeEventId(pdu, "11") });
    if (result.status === "accepted") expect(result.pdu.content).toEqual({});
  });

  it("drops an event whose signed fields were changed", async () => {
    const pdu = { ...message("11"), origin_server_ts: 1_700_000_000_001 };
    await expect(verifyPdu(pdu, "11", lookup)).resolves.toMatchObject({ status: "dropped", code: "M_INVALID_SIGNATURE" });
  });

  it("drops events without the sender's signature or with only unknown keys", async () => {
    const pdu = message("10");
    await expect(verifyPdu({ ...pdu, signatures: {} }, "10", lookup)).resolves.toMatchObject({ code: "M_MISSING_SIGNATURE" });
    await expect(verifyPdu({ ...pdu, signatures: { "a.example": { "curve25519:x": "abc" } } }, "10", lookup)).resolves.toMatchObject({
      code: "M_MISSING_SIGNATURE",
    });
    await expect(verifyPdu(pdu, "10", async () => undefined)).resolves.toMatchObject({ code: "M_UNKNOWN_KEY" });
  });

  it("ignores unknown extra keys but fails on a known key that does not verify", async () => {
    const pdu = message("10");
    const signatures = pdu.signatures as Record<string, Record<string, string>>;
    const withPolicy = { ...pdu, signatures: { "a.example": { ...signatures["a.example"], "ed25519:policy_server": "abc" } } };
    await expect(verifyPdu(withPolicy, "10", lookup)).resolves.toMatchObject({ status: "accepted" });
    const other = generateSigningKey("ed25519:other");
    const twoKeys: VerifyKeyLookup = async (_server, keyId) => (keyId === other.keyId ? other.publicKey : alice.publicKey);
    const withBad = { ...pdu, signatures: { "a.example": { ...signatures["a.example"], "ed25519:other": signatures["a.example"]?.[alice.keyId] ?? "" } } };
    await expect(verifyPdu(withBad, "10", twoKeys)).resolves.toMatchObject({ code: "M_INVALID_SIGNATURE" });
  });

  it("refuses keys Synapse has banned", async () => {
    const banned: VerifyKeyLookup = async () => "l/O9hxMVKB6Lg+3Hqf0FQQZhVESQcMzbPN1Cz2nM3og=";
    await expect(verifyPdu(message("11"), "11", banned)).resolves.toMatchObject({ code: "M_INVALID_SIGNATURE", reason: expect.stringContaining("banned") });
  });

  it("checks the event ID the caller asked for", async () => {
    const pdu = message("11");
    await expect(verifyPdu(pdu, "11", lookup, { expectedEventId: computeEventId(pdu, "11") })).resolves.toMatchObject({ status: "accepted" });
    await expect(verifyPdu(pdu, "11", lookup, { expectedEventId: HASH_ID })).resolves.toMatchObject({ code: "M_EVENT_ID_MISMATCH" });
  });

  it("needs the event ID's server in v1/v2", async () => {
    const pdu = message("1", { event_id: "$m1:b.example" });
    await expect(verifyPdu(pdu, "1", lookup)).resolves.toMatchObject({ code: "M_MISSING_SIGNATURE", reason: "not signed by b.example" });
    const cosigned = signEvent(pdu, "1", "b.example", bob);
    await expect(verifyPdu(cosigned, "1", lookup)).resolves.toMatchObject({ status: "accepted" });
    // v3+ has no event_id, so nothing beyond the sender is needed.
    await expect(verifyPdu(message("3"), "3", lookup)).resolves.toMatchObject({ status: "accepted" });
  });

  it("needs the authorising server on v8+ restricted joins, not before", async () => {
    const join = (version: string) =>
      message(version, {
        type: "m.room.member",
        state_key: "@alice:a.example",
        content: { membership: "join", join_authorised_via_users_server: "@bob:b.example" },
      });
    await expect(verifyPdu(join("7"), "7", lookup)).resolves.toMatchObject({ status: "accepted" });
    for (const version of ["8", "9", "10", "11", "12"]) {
      await expect(verifyPdu(join(version), version, lookup)).resolves.toMatchObject({ code: "M_MISSING_SIGNATURE" });
      await expect(verifyPdu(signEvent(join(version), version, "b.example", bob), version, lookup)).resolves.toMatchObject({
        status: "accepted",
      });
    }
  });

  it("enforces key validity from room version 5 only", async () => {
    const expired: VerifyKeyLookup = async () => ({ key: alice.publicKey, validUntilTs: 1_600_000_000_000 }) satisfies VerifyKey;
    const old: VerifyKeyLookup = async () => ({ key: alice.publicKey, expiredTs: 1_600_000_000_000 }) satisfies VerifyKey;
    await expect(verifyPdu(message("4"), "4", expired)).resolves.toMatchObject({ status: "accepted" });
    await expect(verifyPdu(message("4"), "4", old)).resolves.toMatchObject({ status: "accepted" });
    await expect(verifyPdu(message("5"), "5", expired)).resolves.toMatchObject({ code: "M_UNKNOWN_KEY" });
    await expect(verifyPdu(message("5"), "5", old)).resolves.toMatchObject({ code: "M_UNKNOWN_KEY" });
    const stillValid: VerifyKeyLookup = async () => ({ key: alice.publicKey, validUntilTs: 1_800_000_000_000 });
    await expect(verifyPdu(message("5"), "5", stillValid)).resolves.toMatchObject({ status: "accepted" });
  });

  it("passes the event's origin_server_ts to the key lookup", async () => {
    const seen: number[] = [];
    await verifyPdu(message("11"), "11", async (server, keyId, atTs) => {
      seen.push(atTs);
      return lookup(server, keyId, atTs);
    });
    expect(seen).toEqual([1_700_000_000_000]);
  });

  it("exempts third-party invites from the sender's signature", async () => {
    const invite = message("10", {
      type: "m.room.member",
      state_key: "@carol:c.example",
      sender: "@alice:a.example",
      content: { membership: "invite", third_party_invite: { display_name: "c", signed: { mxid: "@carol:c.example", token: "t", signatures: {} } } },
    });
    await expect(verifyPdu({ ...invite, signatures: {} }, "10", lookup)).resolves.toMatchObject({ status: "accepted" });
  });

  it("keeps v1–v5 big integers exact and rejects them from v6", async () => {
    const text = JSON.stringify(message("5", { depth: 1 })).replace('"depth":1', '"depth":9223372036854775807');
    const big = parseJsonObject(text);
    expect(big.depth).toEqual(new JsonNumber("9223372036854775807"));
    const resigned = signEvent(big, "5", "a.example", alice);
    await expect(verifyPdu(resigned, "5", lookup)).resolves.toMatchObject({ status: "accepted", redacted: false });
    await expect(verifyPdu(resigned, "6", lookup)).resolves.toMatchObject({ code: "M_BAD_JSON" });
    const tooDeep = signEvent(parseJsonObject(text.replace("9223372036854775807", "9223372036854775808")), "5", "a.example", alice);
    await expect(verifyPdu(tooDeep, "5", lookup)).resolves.toMatchObject({ code: "M_BAD_EVENT_FORMAT" });
  });

  it("rejects floats from v6 but accepts Synapse-style floats before", async () => {
    const pl = (version: string) =>
      signEvent(
        parseJsonObject(JSON.stringify(message(version, { type: "m.room.power_levels", state_key: "" })).replace('"content":{', '"content":{"ban":50.0,')),
        version,
        "a.example",
        alice,
      );
    await expect(verifyPdu(pl("5"), "5", lookup)).resolves.toMatchObject({ status: "accepted" });
    await expect(verifyPdu(pl("5"), "6", lookup)).resolves.toMatchObject({ code: "M_BAD_JSON" });
  });

  it("drops unknown room versions", async () => {
    await expect(verifyPdu(message("11"), "org.example.custom", lookup)).resolves.toMatchObject({ code: "M_UNSUPPORTED_ROOM_VERSION" });
  });
});
