import { canonicalJson, canonicalMembers } from "@/lib/matrix/canonical-json";
import { utf8Length } from "@/lib/matrix/identifiers";
import type { JsonObject } from "@/lib/matrix/json-value";
import { keptTopLevelKeys, redactedContent } from "@/lib/matrix/redaction";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The three canonical JSON texts verifying a PDU needs, from one encoding of each top-level
 * member: they differ only in which members they hold (and in the signed text's redacted
 * content), and a member's text does not depend on the others.
 */
export interface PduTexts {
  /** UTF-8 length of the whole PDU's canonical JSON: `utf8Length(canonicalJson(pdu))`, for the size limit. */
  bytes: number;
  /** The redacted copy without signatures and unsigned: `signingPayload(redactEvent(pdu))`. */
  signed: Buffer;
  /** The PDU without unsigned, signatures and hashes: what its content hash covers. */
  hashed: string;
}

/** Throws what `canonicalJson(pdu)` throws, in the same order. */
export function pduTexts(pdu: JsonObject, roomVersion: string | RoomVersion): PduTexts {
  const version = toRoomVersion(roomVersion);
  const members = canonicalMembers(pdu, version.canonicalJson);
  const kept = keptTopLevelKeys(version);
  let bytes = 1 + Math.max(members.length, 1);
  const signed: string[] = [];
  const hashed: string[] = [];
  for (const { key, text } of members) {
    bytes += utf8Length(text);
    if (key !== "unsigned" && key !== "signatures" && key !== "hashes") hashed.push(text);
    if (key === "signatures" || !kept.has(key)) continue;
    signed.push(key === "content" ? `"content":${canonicalJson(redactedContent(pdu, version), version.canonicalJson)}` : text);
  }
  return { bytes, signed: Buffer.from(`{${signed.join(",")}}`, "utf8"), hashed: `{${hashed.join(",")}}` };
}
