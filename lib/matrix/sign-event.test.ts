import { describe, expect, it } from "vitest";

import eventVectors from "@/lib/matrix/__vectors__/events.json";
import signingVectors from "@/lib/matrix/__vectors__/signing.json";
import { decodeBase64, encodeBase64 } from "@/lib/matrix/base64";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { computeContentHash, computeReferenceHash } from "@/lib/matrix/event-hashes";
import { computeEventId, roomIdFromCreateEvent } from "@/lib/matrix/event-id";
import { asJson } from "@/lib/matrix/__vectors__/as-json";
import { signEvent } from "@/lib/matrix/sign-event";
import { signingKeyFromSeed } from "@/lib/matrix/signing-key";

const key = signingKeyFromSeed(decodeBase64(signingVectors.seed), signingVectors.keyId);
const [minimal, message] = eventVectors.signing;
if (!minimal || !message) throw new Error("events.json lost its signing vectors");

describe("event signing vectors (APP § Event Signing)", () => {
  for (const vector of eventVectors.signing) {
    it.each(vector.redactionVersions)(`${vector.name} in room version %s`, (version) => {
      const pdu = signEvent(asJson(vector.input), version, "domain", key);
      expect(canonicalJson(pdu)).toBe(canonicalJson(vector.output));
    });
  }

  it("gives the derived v11 signature, where origin is no longer protected", () => {
    for (const version of ["11", "12"]) {
      const pdu = signEvent(asJson(minimal.input), version, "domain", key);
      expect(pdu.signatures).toEqual({ domain: { "ed25519:1": eventVectors.v11MinimalSignature } });
      expect(pdu.hashes).toEqual(minimal.output.hashes);
    }
  });
});

describe("reference hashes and event IDs", () => {
  for (const vector of eventVectors.referenceHashes) {
    it.each(vector.versions)(`${vector.name}: version %s`, (version) => {
      const pdu = signEvent(asJson(minimal.input), version, "domain", key);
      const eventId = computeEventId(pdu, version);
      expect(encodeBase64(computeReferenceHash(pdu, version))).toBe(vector.referenceHash);
      expect(eventId).toBe(vector.eventId);
      expect(computeEventId(pdu, version)).toBe(vector.eventId);
    });
  }

  it("uses the event_id field in v1 and v2", () => {
    for (const version of ["1", "2"]) {
      expect(computeEventId(asJson(message.output), version)).toBe("$0:domain");
      expect(() => computeEventId(asJson(minimal.output), version)).toThrow(expect.objectContaining({ code: "M_BAD_EVENT_FORMAT" }));
    }
  });

  it("uses standard base64 in v3 and URL-safe from v4", () => {
    // Find a variant whose hash has both + and /, so the two alphabets must differ.
    let depth = 3;
    let pdu = signEvent(asJson(minimal.input), "3", "domain", key);
    while (!/\+.*\/|\/.*\+/.test(computeEventId(pdu, "3"))) {
      depth += 1;
      pdu = signEvent({ ...asJson(minimal.input), depth }, "3", "domain", key);
    }
    const v3 = computeEventId(pdu, "3");
    expect(v3).toMatch(/^\$[A-Za-z0-9+/]{43}$/);
    expect(computeEventId(pdu, "4")).toBe(v3.replaceAll("+", "-").replaceAll("/", "_"));
    expect(computeEventId(pdu, "10")).toBe(computeEventId(pdu, "4"));
  });

  it("derives the v12 room ID from the create event", () => {
    const { event, contentHash, roomId } = eventVectors.v12Create;
    expect(computeContentHash(asJson(event), "12")).toBe(contentHash);
    const pdu = signEvent(asJson(event), "12", "domain", key);
    const eventId = computeEventId(pdu, "12");
    expect(pdu.hashes).toEqual({ sha256: contentHash });
    expect(roomIdFromCreateEvent(pdu)).toBe(roomId);
    expect(eventId).toBe("$" + roomId.slice(1));
    expect(roomIdFromCreateEvent({ ...event, hashes: { sha256: contentHash } })).toBe(roomId);
    expect(roomIdFromCreateEvent({ ...pdu, room_id: roomId })).toBe(roomId);
    expect(() => roomIdFromCreateEvent(pdu, "11")).toThrow(expect.objectContaining({ code: "M_BAD_EVENT_FORMAT" }));
  });

  it("content hashes do not depend on the room version", () => {
    for (const version of ["1", "3", "6", "9", "11", "12"]) {
      expect(computeContentHash(asJson(message.input), version)).toBe(message.output.hashes.sha256);
    }
  });
});
