import { beforeAll, describe, expect, it } from "vitest";
import { buildMembershipEvent, TemplateError } from "@/lib/federation/membership-event";
import { getOwnServerName } from "@/lib/federation/keys/own-key";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";
import { generateSigningKey, type SigningKey } from "@/lib/matrix/signing-key";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

let key: SigningKey;
let userId: string;
const roomId = "!room:hs.example";

beforeAll(() => {
  key = generateSigningKey();
  // The process key, set directly so the test writes no key file.
  (globalThis as unknown as { archiveSigningKey?: SigningKey }).archiveSigningKey = key;
  userId = `@archive:${getOwnServerName()}`;
});

const id = (c: string) => `$${c.repeat(43)}`;

const template = (over: JsonObject = {}): JsonObject => ({
  type: "m.room.member",
  room_id: roomId,
  sender: userId,
  state_key: userId,
  content: { membership: "join" },
  depth: 12,
  prev_events: [id("p")],
  auth_events: [id("c"), id("l"), id("j")],
  origin_server_ts: 1,
  ...over,
});

describe("buildMembershipEvent", () => {
  it("signs a valid template into a PDU that verifies under the returned ID", async () => {
    const { event, eventId } = buildMembershipEvent(template(), { roomId, userId, membership: "join", roomVersion: "11" });
    expect(computeEventId(event, "11")).toBe(eventId);
    expect(event.origin).toBe(getOwnServerName());
    const verified = await verifyPdu(event, "11", async (server, keyId) => (server === getOwnServerName() && keyId === key.keyId ? key.publicKey : undefined));
    expect(verified).toMatchObject({ status: "accepted", eventId, redacted: false });
  });

  it("gives v1/v2 events an event_id of our server", () => {
    const { event, eventId } = buildMembershipEvent(template(), { roomId, userId, membership: "join", roomVersion: "1" });
    expect(eventId).toMatch(new RegExp(`^\\$[A-Za-z0-9_-]+:${getOwnServerName().replace(/\./g, "\\.")}$`));
    expect(event.event_id).toBe(eventId);
  });

  it("refuses templates that fail the spec's checks", () => {
    const args = { roomId, userId, membership: "join" as const, roomVersion: "11" };
    expect(() => buildMembershipEvent(template({ room_id: "!other:hs.example" }), args)).toThrow(TemplateError);
    expect(() => buildMembershipEvent(template({ type: "m.room.message" }), args)).toThrow(TemplateError);
    expect(() => buildMembershipEvent(template({ sender: "@mallory:hs.example" }), args)).toThrow(TemplateError);
    expect(() => buildMembershipEvent(template({ state_key: "@mallory:hs.example" }), args)).toThrow(TemplateError);
    expect(() => buildMembershipEvent(template({ content: { membership: "leave" } }), args)).toThrow(TemplateError);
  });
});
