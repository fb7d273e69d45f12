import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject, JsonValue } from "@/lib/matrix/json-value";
import { SUPPORTED_ROOM_VERSIONS } from "@/lib/matrix/room-versions";
import { signEvent } from "@/lib/matrix/sign-event";
import { generateSigningKey } from "@/lib/matrix/signing-key";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

const key = generateSigningKey();
const lookup: VerifyKeyLookup = async (server, keyId) => (server === "a.example" && keyId === key.keyId ? key.publicKey : undefined);

const jsonLeaf = fc.oneof(fc.string(), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.boolean(), fc.constant(null));
const content = fc.dictionary(
  fc.string({ minLength: 1 }).filter((k) => k !== "__proto__"),
  fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 }), fc.dictionary(fc.string(), jsonLeaf, { maxKeys: 3 })),
  { minKeys: 1, maxKeys: 6 },
);

function message(version: string, body: Record<string, JsonValue>, ts: number): JsonObject {
  const v1 = version === "1" || version === "2";
  return signEvent(
    {
      type: "m.room.message",
      room_id: version === "12" ? "!" + "R".repeat(43) : "!room:a.example",
      sender: "@alice:a.example",
      origin_server_ts: ts,
      depth: 3,
      content: body,
      prev_events: v1 ? [["$p:a.example", { sha256: "x" }]] : ["$" + "P".repeat(43)],
      auth_events: [],
      ...(v1 ? { event_id: "$m:a.example" } : {}),
    },
    version,
    "a.example",
    key,
  );
}

describe("verifyPdu (properties)", () => {
  it("accepts what signEvent made; content changes redact, signed field changes drop", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SUPPORTED_ROOM_VERSIONS),
        content,
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.string({ minLength: 1 }),
        async (version, body, ts, forged) => {
          const pdu = message(version, body, ts);
          const eventId = computeEventId(pdu, version);
          await expect(verifyPdu(pdu, version, lookup)).resolves.toEqual({ status: "accepted", eventId, pdu, redacted: false });

          const changedContent = { ...pdu, content: { ...body, forged } };
          const redacted = await verifyPdu(changedContent, version, lookup);
          expect(redacted).toMatchObject({ status: "accepted", eventId, redacted: true });

          for (const tampered of [
            { ...pdu, origin_server_ts: ts + 1 },
            { ...pdu, depth: 4 },
            { ...pdu, type: "m.room.messages" },
          ]) {
            await expect(verifyPdu(tampered, version, lookup)).resolves.toMatchObject({ status: "dropped", code: "M_INVALID_SIGNATURE" });
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
