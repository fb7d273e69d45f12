import { describe, expect, it } from "vitest";
import { eventContent, storedEventFromItem } from "@/lib/archive/stored-event";

describe("a stored event from a window's event item", () => {
  it("takes the item's fields, its timestamp as ts, and the state key and content from its PDU", () => {
    const pdu = JSON.stringify({ type: "m.room.name", state_key: "", content: { name: "Lobby" } });
    const event = storedEventFromItem({ eventId: "$a", type: "m.room.name", sender: "@u:x", originServerTs: 42, pdu, redacted: false, deniedReason: "spam" });
    expect(event).toEqual({ eventId: "$a", type: "m.room.name", sender: "@u:x", ts: 42, pdu, redacted: false, deniedReason: "spam", stateKey: "" });
    expect(eventContent(event)).toEqual({ name: "Lobby" });
  });

  it("has no state key for a message", () => {
    const pdu = JSON.stringify({ type: "m.room.message", content: { body: "hi" } });
    expect(
      storedEventFromItem({ eventId: "$b", type: "m.room.message", sender: "@u:x", originServerTs: 1, pdu, redacted: false, deniedReason: null }).stateKey,
    ).toBeNull();
  });
});
