import { describe, expect, it } from "vitest";

import { computeEventId } from "@/lib/matrix/event-id";
import { buildJoinEvent, checkMakeJoinTemplate } from "@/lib/matrix/join-event";
import type { JsonObject } from "@/lib/matrix/json-value";
import { generateSigningKey } from "@/lib/matrix/signing-key";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

const ours = generateSigningKey();
const USER = "@archive:archive.example";
const ROOM = "!room:hs.example";
const lookup = async (server: string, keyId: string) => (server === "archive.example" && keyId === ours.keyId ? ours.publicKey : undefined);

function makeJoin(roomVersion: string | undefined, overrides: JsonObject = {}): JsonObject {
  const v1 = roomVersion === undefined || roomVersion === "1" || roomVersion === "2";
  const prev = v1 ? [["$p:hs.example", { sha256: "x" }]] : ["$" + "P".repeat(43)];
  const event: JsonObject = {
    type: "m.room.member",
    room_id: ROOM,
    sender: USER,
    state_key: USER,
    content: { membership: "join" },
    depth: 10,
    prev_events: prev,
    auth_events: prev,
    ...overrides,
  };
  return roomVersion === undefined ? { event } : { room_version: roomVersion, event };
}

describe("make_join templates", () => {
  it("defaults a missing room_version to 1", () => {
    expect(checkMakeJoinTemplate(makeJoin(undefined), { roomId: ROOM, userId: USER }).roomVersion).toBe("1");
  });

  it("rejects templates that are not our join to this room", () => {
    const broken: JsonObject[] = [
      { room_id: "!other:hs.example" },
      { sender: "@x:archive.example" },
      { state_key: "@x:archive.example" },
      { type: "m.room.message" },
      { content: { membership: "leave" } },
    ];
    for (const overrides of broken) {
      expect(() => checkMakeJoinTemplate(makeJoin("11", overrides), { roomId: ROOM, userId: USER }), JSON.stringify(overrides)).toThrow(
        expect.objectContaining({ code: "M_BAD_TEMPLATE" }),
      );
    }
    expect(() => checkMakeJoinTemplate({ room_version: "99", event: {} }, { roomId: ROOM, userId: USER })).toThrow(
      expect.objectContaining({ code: "M_UNSUPPORTED_ROOM_VERSION" }),
    );
  });
});

describe("buildJoinEvent", () => {
  it.each(["1", "2", "3", "6", "9", "10", "11"])("signs a join the resident can verify (room version %s)", async (version) => {
    const { roomVersion, template } = checkMakeJoinTemplate(makeJoin(version), { roomId: ROOM, userId: USER });
    const { pdu, eventId } = buildJoinEvent(template, roomVersion, { serverName: "archive.example", key: ours, now: 1234, eventIdLocalpart: "join1" });
    expect(pdu).toMatchObject({ origin: "archive.example", origin_server_ts: 1234, content: { membership: "join" } });
    expect(eventId).toBe(computeEventId(pdu, version));
    if (version === "1" || version === "2") expect(eventId).toBe("$join1:archive.example");
    else expect(pdu.event_id).toBeUndefined();
    await expect(verifyPdu(pdu, version, lookup, { expectedEventId: eventId })).resolves.toMatchObject({ status: "accepted", redacted: false });
  });

  it("keeps join_authorised_via_users_server, which then needs the resident's signature", async () => {
    const { template } = checkMakeJoinTemplate(makeJoin("10", { content: { membership: "join", join_authorised_via_users_server: "@mod:hs.example" } }), {
      roomId: ROOM,
      userId: USER,
    });
    const { pdu } = buildJoinEvent(template, "10", { serverName: "archive.example", key: ours, now: 1, eventIdLocalpart: "x" });
    expect(pdu.content).toEqual({ membership: "join", join_authorised_via_users_server: "@mod:hs.example" });
    await expect(verifyPdu(pdu, "10", lookup)).resolves.toMatchObject({ code: "M_MISSING_SIGNATURE", reason: "not signed by hs.example" });
  });

  it("refuses to sign a template that breaks the room version's format", () => {
    const template = makeJoin("11", { prev_events: ["$short"] }).event as JsonObject;
    expect(() => buildJoinEvent(template, "11", { serverName: "archive.example", key: ours, now: 1, eventIdLocalpart: "x" })).toThrow(
      expect.objectContaining({ code: "M_BAD_EVENT_FORMAT" }),
    );
  });
});
