import { describe, expect, it } from "vitest";

import { asJson } from "@/lib/matrix/__vectors__/as-json";
import vectors from "@/lib/matrix/__vectors__/redaction.json";
import { redactEvent } from "@/lib/matrix/redaction";
import { SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";

describe("redaction algorithm, every room version", () => {
  for (const { type, event, redacted } of vectors.cases) {
    it.each(SUPPORTED_ROOM_VERSIONS)(`${type} in room version %s`, (version) => {
      const expected = (redacted as Record<string, unknown>)[version];
      expect(expected).toBeDefined();
      expect(redactEvent(asJson(event), version)).toEqual(expected);
    });
  }

  it("does not change its input", () => {
    const [first] = vectors.cases;
    const before = JSON.stringify(first?.event);
    redactEvent(asJson(first?.event), "11");
    expect(JSON.stringify(first?.event)).toBe(before);
  });

  it("keeps an empty third_party_invite when it has no signed block (v11)", () => {
    const event = { type: "m.room.member", content: { membership: "invite", third_party_invite: { display_name: "x" } } };
    expect(redactEvent(event, "11").content).toEqual({ membership: "invite", third_party_invite: {} });
    expect(redactEvent(event, "10").content).toEqual({ membership: "invite" });
  });

  it("drops the top-level redacts of a v1–v10 redaction, so the target is lost", () => {
    const event = { type: "m.room.redaction", redacts: "$t", content: { reason: "x" } };
    expect(redactEvent(event, "10")).toEqual({ type: "m.room.redaction", content: {} });
  });
});
