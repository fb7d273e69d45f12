import { MatrixProtocolError, type MatrixProtocolErrorCode } from "@/lib/matrix/errors";
import { contentHashMatchesText } from "@/lib/matrix/event-hashes";
import { computeEventId, eventIdOfBytes } from "@/lib/matrix/event-id";
import { serverNameOf } from "@/lib/matrix/identifiers";
import { cloneJson, isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { checkPduFormat, type PduFormatOptions } from "@/lib/matrix/pdu-format";
import { pduTexts } from "@/lib/matrix/pdu-texts";
import { redactEvent } from "@/lib/matrix/redaction";
import { findRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";
import { getSignature, signatureKeyIds, verifySignatureBytes } from "@/lib/matrix/signatures";
import { isBannedVerifyKey, toVerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";

export interface VerifyPduOptions extends PduFormatOptions {
  /** The ID the PDU was fetched by (`/event`, backfill `v`, send_join `event`): it must match. */
  expectedEventId?: string;
}

export type PduVerification =
  | {
      status: "accepted";
      eventId: string;
      /** The PDU to store: a deep copy, redacted when its content hash did not match. */
      pdu: JsonObject;
      redacted: boolean;
    }
  | {
      status: "dropped";
      code: MatrixProtocolErrorCode;
      /** For a person reading logs or a gap's note. */
      reason: string;
      /** Known once the format check passed. */
      eventId?: string;
    };

/**
 * S2S § Checks performed on receipt of a PDU, steps 1–4: format for the room version, event ID,
 * signatures of every required server (failure drops the PDU), content hash (a mismatch keeps
 * the redacted copy). Auth rules and state (steps 5–7) are not checked here.
 */
export async function verifyPdu(pdu: unknown, roomVersion: string, keyLookup: VerifyKeyLookup, options: VerifyPduOptions = {}): Promise<PduVerification> {
  const version = findRoomVersion(roomVersion);
  if (!version) {
    return dropped("M_UNSUPPORTED_ROOM_VERSION", `room version ${JSON.stringify(roomVersion)} is not supported`);
  }
  let eventId: string;
  let payload: Buffer;
  let hashedText: string;
  try {
    // One encoding of the PDU serves the size limit, the signed bytes and the content hash.
    if (!isJsonObject(pdu)) checkPduFormat(pdu, version, options); // throws: not an object
    const texts = pduTexts(pdu, version);
    checkPduFormat(pdu, version, options, texts.bytes);
    payload = texts.signed;
    hashedText = texts.hashed;
    // From v3 the reference hash covers exactly the signed bytes, except for a v12 create event
    // (whose hash leaves out room_id as well): hash the payload once instead of again from scratch.
    const sameBytes = version.eventIdFormat !== "explicit" && !(version.roomIdFromCreateEvent && pdu.type === "m.room.create");
    eventId = sameBytes ? eventIdOfBytes(payload, version) : computeEventId(pdu, version);
  } catch (error) {
    if (error instanceof MatrixProtocolError) return dropped(error.code, error.message);
    throw error;
  }
  if (options.expectedEventId !== undefined && options.expectedEventId !== eventId) {
    return dropped("M_EVENT_ID_MISMATCH", `asked for ${options.expectedEventId}, got ${eventId}`, eventId);
  }

  // Redaction keeps `signatures` as it is, so the PDU's own serve for the redacted copy's.
  const failure = await checkSignatures(pdu, payload, version, keyLookup);
  if (failure) return dropped(failure.code, failure.reason, eventId);

  if (contentHashMatchesText(pdu, hashedText)) return { status: "accepted", eventId, pdu: cloneJson(pdu), redacted: false };
  return { status: "accepted", eventId, pdu: redactEvent(pdu, version), redacted: true };
}

function dropped(code: MatrixProtocolErrorCode, reason: string, eventId?: string): PduVerification {
  return eventId === undefined ? { status: "dropped", code, reason } : { status: "dropped", code, reason, eventId };
}

/**
 * Servers whose signature an event needs (S2S § Validating hashes and signatures): the sender's;
 * in v1/v2 the event ID's; for v8+ restricted joins the authorising user's. Invites made from a
 * third-party invite are exempt from the sender rule (the inviting server may differ), as in
 * Synapse.
 */
function requiredSigners(pdu: JsonObject, roomVersion: RoomVersion): string[] {
  const servers = new Set<string>();
  const content = isJsonObject(pdu.content) ? pdu.content : {};
  const isMember = pdu.type === "m.room.member";
  const thirdPartyInvite = isMember && content.membership === "invite" && content.third_party_invite !== undefined;
  const sender = typeof pdu.sender === "string" ? serverNameOf(pdu.sender) : undefined;
  if (sender && !thirdPartyInvite) servers.add(sender);
  if (roomVersion.eventIdFormat === "explicit" && typeof pdu.event_id === "string") {
    const origin = serverNameOf(pdu.event_id);
    if (origin) servers.add(origin);
  }
  const authoriser = content.join_authorised_via_users_server;
  if (roomVersion.restrictedJoins && isMember && content.membership === "join" && typeof authoriser === "string") {
    const server = serverNameOf(authoriser);
    if (server) servers.add(server);
  }
  return [...servers];
}

async function checkSignatures(
  pdu: JsonObject,
  payload: Buffer,
  version: RoomVersion,
  keyLookup: VerifyKeyLookup,
): Promise<{ code: MatrixProtocolErrorCode; reason: string } | undefined> {
  const ts = typeof pdu.origin_server_ts === "number" ? pdu.origin_server_ts : 0;
  for (const server of requiredSigners(pdu, version)) {
    const keyIds = signatureKeyIds(pdu, server).filter((keyId) => keyId.startsWith("ed25519:"));
    if (keyIds.length === 0) return { code: "M_MISSING_SIGNATURE", reason: `not signed by ${server}` };
    let valid = 0;
    for (const keyId of keyIds) {
      const found = await keyLookup(server, keyId, ts);
      if (found === undefined) continue; // unknown keys are ignored (e.g. ed25519:policy_server)
      const key = toVerifyKey(found);
      // v1–v4 ignore key validity (FR/v5-signing-requirements); so does Synapse for old keys there.
      if (version.enforceKeyValidity && ((key.validUntilTs ?? Infinity) < ts || (key.expiredTs ?? Infinity) < ts)) {
        continue;
      }
      if (isBannedVerifyKey(key.key)) {
        return { code: "M_INVALID_SIGNATURE", reason: `${server} signed with ${keyId}, a banned key` };
      }
      const signature = getSignature(pdu, server, keyId) ?? "";
      if (!verifySignatureBytes(payload, signature, key.key)) {
        return { code: "M_INVALID_SIGNATURE", reason: `signature of ${server} with ${keyId} does not verify` };
      }
      valid++;
    }
    if (valid === 0) {
      return { code: "M_UNKNOWN_KEY", reason: `no key of ${server} (${keyIds.join(", ")}) is known and valid at ${ts}` };
    }
  }
  return undefined;
}
