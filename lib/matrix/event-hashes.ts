import { createHash, hash } from "node:crypto";

import { decodeBase64, encodeBase64 } from "@/lib/matrix/base64";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { MatrixProtocolError } from "@/lib/matrix/errors";
import { isJsonObject, setOwn, type JsonObject } from "@/lib/matrix/json-value";
import { redactEvent } from "@/lib/matrix/redaction";
import { toRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(text, "utf8").digest());
}

function without(event: JsonObject, drop: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const key of Object.keys(event)) {
    const value = event[key];
    if (value !== undefined && !drop.includes(key)) setOwn(result, key, value);
  }
  return result;
}

function contentHashBytes(event: JsonObject, roomVersion: string | RoomVersion): Uint8Array {
  const version = toRoomVersion(roomVersion);
  return sha256(canonicalJson(without(event, ["unsigned", "signatures", "hashes"]), version.canonicalJson));
}

/** S2S § Calculating the content hash: sha256 over the event without unsigned, signatures, hashes. */
export function computeContentHash(event: JsonObject, roomVersion: string | RoomVersion): string {
  return encodeBase64(contentHashBytes(event, roomVersion));
}

/** The `hashes.sha256` an event claims, or undefined when it has none. */
function claimedContentHash(event: JsonObject): string | undefined {
  const hashes = event.hashes;
  if (!isJsonObject(hashes)) return undefined;
  return typeof hashes.sha256 === "string" ? hashes.sha256 : undefined;
}

/** True when `hashes.sha256` decodes to the bytes of the recomputed hash. */
export function checkContentHash(event: JsonObject, roomVersion: string | RoomVersion): boolean {
  return claimedHashMatches(event, contentHashBytes(event, roomVersion));
}

/**
 * checkContentHash for a caller that has the canonical JSON of the event without unsigned,
 * signatures and hashes already (verifyPdu encodes the event once for all its checks).
 */
export function contentHashMatchesText(event: JsonObject, hashedText: string): boolean {
  const digest = hash("sha256", hashedText, "base64");
  // The usual case, a claim written as unpadded base64 of these very bytes, needs no decoding
  // (a sha256's base64 ends in exactly one `=`); any other spelling (padding, stray low bits)
  // gets the general comparison.
  const claimed = claimedContentHash(event);
  if (claimed !== undefined && claimed.length === 43 && digest.startsWith(claimed)) return true;
  return claimedHashMatches(event, Buffer.from(digest, "base64"));
}

function claimedHashMatches(event: JsonObject, digest: Uint8Array): boolean {
  const claimed = claimedContentHash(event);
  if (claimed === undefined) return false;
  let claimedBytes: Uint8Array;
  try {
    claimedBytes = decodeBase64(claimed);
  } catch (error) {
    if (error instanceof MatrixProtocolError) return false;
    throw error;
  }
  return Buffer.from(claimedBytes).equals(digest);
}

/** Returns a copy of the event with `hashes.sha256` set (other hash algorithms are kept). */
export function withContentHash<T extends JsonObject>(event: T, roomVersion: string | RoomVersion): T {
  const hashes = isJsonObject(event.hashes) ? { ...event.hashes } : {};
  hashes.sha256 = computeContentHash(event, roomVersion);
  return { ...event, hashes };
}

/** S2S § Calculating the reference hash: sha256 of the redacted event without signatures and unsigned. */
export function computeReferenceHash(event: JsonObject, roomVersion: string | RoomVersion): Uint8Array {
  const version = toRoomVersion(roomVersion);
  const drop = ["signatures", "unsigned"];
  // A v12 create event has no room_id (its hash *is* the room ID). Clients are served one anyway,
  // and Synapse leaves it out of the hash; doing the same makes the ID independent of that copy.
  if (version.roomIdFromCreateEvent && event.type === "m.room.create") drop.push("room_id");
  const redacted = without(redactEvent(event, version), drop);
  return sha256(canonicalJson(redacted, version.canonicalJson));
}
