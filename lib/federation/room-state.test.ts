import { describe, expect, it } from "vitest";
import { summarizeState } from "@/lib/federation/room-state";
import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import type { JsonObject } from "@/lib/matrix/json-value";

const state = (type: string, content: JsonObject, depth: number, extra: JsonObject = {}, redacted = false): AcceptedPdu => ({
  status: "accepted",
  eventId: `$${type}${depth}`,
  redacted,
  pdu: { type, state_key: "", content, depth, sender: "@mod:hs.example", origin_server_ts: 1_700_000_000_000 + depth, ...extra },
});

describe("summarizeState", () => {
  it("takes the deepest event per type and records who made the room world_readable", () => {
    const summary = summarizeState([
      state("m.room.name", { name: "Old" }, 2),
      state("m.room.name", { name: "New" }, 5),
      state("m.room.topic", { topic: "Talk" }, 3),
      state("m.room.canonical_alias", { alias: "#a:hs.example" }, 4),
      state("m.room.history_visibility", { history_visibility: "world_readable" }, 6),
    ]);
    expect(summary).toMatchObject({
      name: "New",
      topic: "Talk",
      canonicalAlias: "#a:hs.example",
      historyVisibility: "world_readable",
      worldReadableBy: "@mod:hs.example",
    });
    expect(summary.worldReadableSince?.getTime()).toBe(1_700_000_000_006);
  });

  it("ignores non-state events, other state keys and redacted copies; a missing value is 'shared'", () => {
    const summary = summarizeState([
      state("m.room.name", { name: "X" }, 1, { state_key: "other" }),
      state("m.room.topic", {}, 2, {}, true),
      state("m.room.history_visibility", {}, 3),
    ]);
    expect(summary).toEqual({ historyVisibility: "shared" });
  });
});
