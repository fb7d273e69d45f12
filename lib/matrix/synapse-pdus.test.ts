import { describe, expect, it } from "vitest";

import { loadRooms, loadServerKeys, manifest, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { computeEventId, roomIdFromCreateEvent } from "@/lib/matrix/event-id";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { parseServerKeyResponse } from "@/lib/matrix/server-keys";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

// Real PDUs from a real Synapse (scripts/record-pdus.ts), checked with the key it published.

const rooms = loadRooms();
const serverKeysJson = loadServerKeys();
const firstTs = Math.min(...rooms.flatMap((r) => r.served.map((e) => e.origin_server_ts as number)));
const keys = parseServerKeyResponse(serverKeysJson, manifest.serverName, firstTs);
const lookup: VerifyKeyLookup = async (server, keyId) => (server === manifest.serverName ? keys.verifyKeys[keyId] : undefined);

describe("recorded Synapse fixtures", () => {
  it("cover room versions 1, 6, 10, 11 and 12 at least", () => {
    expect(rooms.map((r) => r.roomVersion)).toEqual(expect.arrayContaining(["1", "6", "10", "11", "12"]));
    for (const room of rooms) expect(room.served.length).toBeGreaterThanOrEqual(15);
  });

  it("have a self-signed server key response", () => {
    expect(Object.keys(keys.verifyKeys)).toHaveLength(1);
    expect(() => parseServerKeyResponse(serverKeysJson, "elsewhere.example", firstTs)).toThrow(expect.objectContaining({ code: "M_BAD_KEY_RESPONSE" }));
  });
});

describe.each(rooms)("Synapse room version $roomVersion", (room) => {
  const { roomVersion } = room;
  const pdus = room.served.map((served) => ({ served, pdu: toPdu(served, roomVersion) }));
  const byId = new Map(pdus.map((p) => [p.served.event_id as string, p.pdu]));
  const role = (name: string): JsonObject => {
    const id = room.events[name];
    const pdu = id === undefined ? undefined : byId.get(id);
    if (!pdu) throw new Error(`no ${name} event in the v${roomVersion} fixture`);
    return pdu;
  };

  it("recomputes every event ID Synapse reported", () => {
    for (const { served, pdu } of pdus) expect(computeEventId(pdu, roomVersion)).toBe(served.event_id);
  });

  it("verifies every event with the published key; only the redacted message comes back redacted", async () => {
    for (const { served, pdu } of pdus) {
      const result = await verifyPdu(pdu, roomVersion, lookup, { expectedEventId: served.event_id as string });
      const redacted = served.event_id === room.events.redacted;
      expect(result, `${served.type as string} ${served.event_id as string}`).toMatchObject({ status: "accepted", redacted });
    }
  });

  if (roomVersion === "12") {
    it("derives the room ID from the create event", () => {
      const create = pdus.find((p) => p.pdu.type === "m.room.create")?.pdu;
      expect(create && roomIdFromCreateEvent(create)).toBe(room.roomId);
    });
  }

  it("drops a copy whose signed fields were changed", async () => {
    const text = role("text");
    for (const tampered of [
      { ...text, origin_server_ts: (text.origin_server_ts as number) + 1 },
      { ...text, sender: `@mallory:${manifest.serverName}` },
      { ...text, depth: (text.depth as number) + 1 },
    ]) {
      await expect(verifyPdu(tampered, roomVersion, lookup)).resolves.toMatchObject({ status: "dropped", code: "M_INVALID_SIGNATURE" });
    }
  });

  it("drops the event when the caller expected another ID", async () => {
    await expect(verifyPdu(role("text"), roomVersion, lookup, { expectedEventId: room.events.emote })).resolves.toMatchObject({
      status: "dropped",
      code: "M_EVENT_ID_MISMATCH",
    });
  });

  it("keeps the redacted copy, under the same ID, when the content was changed", async () => {
    const text = role("text");
    const content = isJsonObject(text.content) ? text.content : {};
    const tampered = { ...text, content: { ...content, body: "forged" } };
    const result = await verifyPdu(tampered, roomVersion, lookup);
    expect(result).toMatchObject({ status: "accepted", redacted: true, eventId: room.events.text });
    if (result.status === "accepted") {
      expect(result.pdu.content).toEqual({});
      expect(result.pdu.unsigned).toBeUndefined();
    }
  });

  it("keeps the recorded content of each kind of event", () => {
    expect(role("text").content).toMatchObject({ msgtype: "m.text", body: "Hello, archive! ünïcödé 😀" });
    expect(role("emote").content).toMatchObject({ msgtype: "m.emote", body: "waves" });
    expect(role("edit").content).toMatchObject({ "m.relates_to": { rel_type: "m.replace", event_id: room.events.text } });
    expect(role("reaction").content).toMatchObject({ "m.relates_to": { rel_type: "m.annotation", key: "👍" } });
    expect(role("topic").content).toEqual({ topic: "after" });
    expect(role("join").content).toMatchObject({ membership: "join" });
    const redaction = role("redaction");
    const target = roomVersion === "11" || roomVersion === "12" ? (redaction.content as JsonObject).redacts : redaction.redacts;
    expect(target).toBe(room.events.redacted);
  });
});
