import { describe, expect, it } from "vitest";

import { JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
import { checkPduFormat, MAX_PDU_BYTES } from "@/lib/matrix/pdu-format";

const V4_ID = "$" + "a-_".repeat(14) + "b";
const V3_ID = "$" + "a+/".repeat(14) + "b";

/** `undefined` in overrides removes the field. */
function pdu(version: string, overrides: Record<string, JsonValue | undefined> = {}): JsonObject {
  const v1 = version === "1" || version === "2";
  const event: Record<string, JsonValue | undefined> = {
    type: "m.room.message",
    room_id: version === "12" ? "!" + "R".repeat(43) : "!r:a.example",
    sender: "@u:a.example",
    origin_server_ts: 1,
    depth: 2,
    content: {},
    hashes: { sha256: "x" },
    signatures: { "a.example": { "ed25519:1": "s" } },
    prev_events: v1 ? [["$p:a.example", { sha256: "x" }]] : [version === "3" ? V3_ID : V4_ID],
    auth_events: [],
    ...(v1 ? { event_id: "$e:a.example" } : {}),
    ...overrides,
  };
  for (const key of Object.keys(event)) if (event[key] === undefined) delete event[key];
  return event as JsonObject;
}

const format =
  (value: unknown, version: string, skipCountLimits = false) =>
  () =>
    checkPduFormat(value, version, { skipCountLimits });
const code = (c: string) => expect.objectContaining({ code: c });

describe("checkPduFormat", () => {
  it.each(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"])("accepts a well-formed room version %s PDU", (version) => {
    expect(format(pdu(version), version)).not.toThrow();
  });

  it("requires the core fields with the right types", () => {
    const brokenFields: Record<string, JsonValue>[] = [
      { type: 1 },
      { sender: "u:a.example" },
      { sender: "@u" },
      { room_id: 5 },
      { room_id: "r:a.example" },
      { origin_server_ts: "1" },
      { depth: -1 },
      { content: [] },
      { hashes: {} },
      { signatures: { "a.example": "s" } },
      { unsigned: "x" },
      { prev_events: {} },
      { state_key: 3 },
    ];
    for (const broken of brokenFields) {
      expect(format(pdu("11", broken), "11"), JSON.stringify(broken)).toThrow(code("M_BAD_EVENT_FORMAT"));
    }
    expect(format([], "11")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("5", { depth: 1.5 }), "5")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("11", { depth: 1.5 }), "11")).toThrow(code("M_BAD_JSON"));
  });

  it("checks reference shapes per version", () => {
    expect(format(pdu("1", { prev_events: [V4_ID] }), "1")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("3", { prev_events: [V4_ID] }), "3")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("4", { prev_events: [V3_ID] }), "4")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("4", { prev_events: ["$e:a.example"] }), "4")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("1", { event_id: undefined }), "1")).toThrow(code("M_BAD_EVENT_FORMAT"));
  });

  it("limits prev_events to 20 and auth_events to 10, except for backfill", () => {
    const many = (n: number) => Array.from({ length: n }, () => V4_ID);
    expect(format(pdu("11", { prev_events: many(20), auth_events: many(10) }), "11")).not.toThrow();
    expect(format(pdu("11", { prev_events: many(21) }), "11")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("11", { auth_events: many(11) }), "11")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("11", { prev_events: many(21), auth_events: many(11) }), "11", true)).not.toThrow();
  });

  it("limits the PDU to 65536 bytes of canonical JSON and IDs to 255 bytes", () => {
    const base = JSON.stringify(pdu("11", { content: { body: "" } })).length;
    const fits = pdu("11", { content: { body: "x".repeat(MAX_PDU_BYTES - base) } });
    expect(format(fits, "11")).not.toThrow();
    expect(format(pdu("11", { content: { body: "é".repeat((MAX_PDU_BYTES - base) / 2 + 1) } }), "11")).toThrow(code("M_TOO_LARGE"));
    expect(format(pdu("11", { type: "t".repeat(256) }), "11")).toThrow(code("M_TOO_LARGE"));
    expect(format(pdu("11", { state_key: "é".repeat(128) }), "11")).toThrow(code("M_TOO_LARGE"));
    expect(format(pdu("11", { sender: "@" + "u".repeat(250) + ":a.example" }), "11")).toThrow(code("M_BAD_EVENT_FORMAT"));
  });

  it("bounds depth by room version", () => {
    expect(format(pdu("5", { depth: new JsonNumber("9223372036854775807") }), "5")).not.toThrow();
    expect(format(pdu("5", { depth: new JsonNumber("9223372036854775808") }), "5")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("6", { depth: 2 ** 53 - 1 }), "6")).not.toThrow();
    expect(format(pdu("6", { depth: new JsonNumber("9007199254740992") }), "6")).toThrow(code("M_BAD_JSON"));
  });

  it("applies the v12 create event rules", () => {
    const create = pdu("12", { type: "m.room.create", state_key: "", room_id: undefined, prev_events: [] });
    expect(format(create, "12")).not.toThrow();
    expect(format({ ...create, room_id: "!" + "R".repeat(43) }, "12")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("12", { room_id: "!r:a.example" }), "12")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("12", { auth_events: ["$" + "R".repeat(43)] }), "12")).toThrow(code("M_BAD_EVENT_FORMAT"));
    expect(format(pdu("11", { type: "m.room.create", state_key: "", room_id: undefined }), "11")).toThrow(code("M_BAD_EVENT_FORMAT"));
  });
});
