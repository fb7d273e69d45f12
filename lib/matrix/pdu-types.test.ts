import { describe, expect, it } from "vitest";

import { loadRooms, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { JsonNumber } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { authEventIds, parseEventContent, parseTypedPdu, prevEventIds, redactsOf } from "@/lib/matrix/pdu-types";
import { redactEvent } from "@/lib/matrix/redaction";

const rooms = loadRooms();

describe("PDU types on real Synapse events", () => {
  it.each(rooms)("types every event of room version $roomVersion", ({ roomVersion, served, events }) => {
    for (const event of served) {
      const pdu = toPdu(event, roomVersion);
      const typed = parseTypedPdu(pdu);
      // The redacted message has no body left, so it no longer fits m.room.message.
      if (event.event_id === events.redacted) expect(typed).toBeUndefined();
      else expect(typed?.type, `${event.type as string}`).toBe(event.type);
    }
  });

  it.each(rooms)("finds redaction targets and references in room version $roomVersion", ({ roomVersion, served, events }) => {
    const redaction = served.find((e) => e.event_id === events.redaction);
    if (!redaction) throw new Error("no redaction in fixture");
    const pdu = toPdu(redaction, roomVersion);
    expect(redactsOf(pdu, roomVersion)).toBe(events.redacted);
    // v1–v10 lose the target when the redaction itself is redacted; v11+ keep it.
    expect(redactsOf(redactEvent(pdu, roomVersion), roomVersion)).toBe(Number(roomVersion) >= 11 ? events.redacted : undefined);
    const text = served.find((e) => e.event_id === events.text);
    const ids = prevEventIds(toPdu(text ?? {}, roomVersion));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of [...ids, ...authEventIds(toPdu(text ?? {}, roomVersion))]) expect(id).toMatch(/^\$/);
  });
});

describe("event content schemas", () => {
  it("types an edit's new content and keeps unknown keys", () => {
    const content = parseEventContent("m.room.message", {
      msgtype: "m.text",
      body: "* hi",
      "m.new_content": { msgtype: "m.text", body: "hi" },
      "m.relates_to": { rel_type: "m.replace", event_id: "$e" },
      "org.example.custom": 1,
    });
    expect(content?.["m.new_content"]?.body).toBe("hi");
    expect(content?.["m.relates_to"]?.rel_type).toBe("m.replace");
    expect(content).toHaveProperty("org.example.custom", 1);
  });

  it("rejects content that does not fit", () => {
    expect(parseEventContent("m.room.message", { msgtype: "m.text" })).toBeUndefined();
    expect(parseEventContent("m.room.member", { membership: "dancing" })).toBeUndefined();
    expect(parseEventContent("m.room.history_visibility", { history_visibility: 1 })).toBeUndefined();
  });

  it("accepts the numbers old room versions allow in power levels", () => {
    const content = parseJsonObject('{"ban":50.0,"kick":"50","users":{"@a:b":9223372036854775807}}');
    const typed = parseEventContent("m.room.power_levels", content);
    expect(typed?.ban).toEqual(new JsonNumber("50.0"));
    expect(typed?.kick).toBe("50");
  });
});
