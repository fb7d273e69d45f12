/**
 * The Matrix protocol core: pure functions, no I/O. The federation layer (lib/federation) uses it so:
 *
 * - Parse every federation body with `parseJson` / `parseJsonObject`, never JSON.parse: v1–v5
 *   events carry integers above 2^53 and their hashes cover the exact digits.
 * - Outgoing requests: `buildXMatrixAuthorization({ method, uri: url.pathname + url.search,
 *   origin, destination, content? }, ourKey)` where `content` is the parsed body, omitted for GET.
 *   Send the body as `canonicalJson(content, "compat")` or any JSON with the same value.
 * - Incoming requests: `verifyXMatrixRequest({ method, uri: <raw request target>, authorization:
 *   <every Authorization header>, content?: <parsed body for PUT/POST>, ourServerName, keyLookup })`
 *   gives `{ ok, origin }` or an error code with the HTTP status to answer (errcode M_UNAUTHORIZED).
 * - Keys: `keyLookup(serverName, keyId, atTs)` answers from the remote key cache, which is filled
 *   with `parseServerKeyResponse(json, serverName, fetchedAt)` (checks name and self-signature,
 *   caps validity at 7 days). Our own key: `parseSigningKeyFile` / `formatSigningKeyFile` /
 *   `generateSigningKey` (the caller does the file I/O); publish it with `buildServerKeyResponse`.
 * - Every received PDU: `verifyPdu(pdu, roomVersion, keyLookup, { expectedEventId?, skipCountLimits? })`.
 *   `accepted` → store `result.pdu` under `result.eventId` (`redacted` says it was stored redacted);
 *   `dropped` → do not store; `code`/`reason` say why. Room versions are opaque strings.
 * - Joining: `checkMakeJoinTemplate(makeJoinResponse, { roomId, userId })`, then `buildJoinEvent`
 *   gives the signed PDU and its event ID for `send_join`. Other outgoing events: `signEvent`.
 * - Rendering: `parseTypedPdu` / `parseEventContent` type a stored PDU's content (zod), `redactsOf`
 *   finds a redaction's target in any room version.
 * Errors are `MatrixProtocolError` with a stable `code` (see errors.ts).
 */
export { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from "@/lib/matrix/base64";
export { canonicalJson, canonicalJsonBytes, compareCodePoints, type CanonicalJsonMode } from "@/lib/matrix/canonical-json";
export { isMatrixProtocolError, MatrixProtocolError, type MatrixProtocolErrorCode } from "@/lib/matrix/errors";
export { checkContentHash, claimedContentHash, computeContentHash, computeReferenceHash, withContentHash } from "@/lib/matrix/event-hashes";
export { computeEventId, createEventIdFromRoomId, roomIdFromCreateEvent } from "@/lib/matrix/event-id";
export { isValidQualifiedId, isValidServerName, serverNameOf } from "@/lib/matrix/identifiers";
export { cloneJson, isJsonObject, JsonNumber, type JsonObject, type JsonValue } from "@/lib/matrix/json-value";
export { parseJson, parseJsonObject } from "@/lib/matrix/parse-json";
export { buildJoinEvent, checkMakeJoinTemplate } from "@/lib/matrix/join-event";
export { checkPduFormat, MAX_AUTH_EVENTS, MAX_PDU_BYTES, MAX_PREV_EVENTS, type PduFormatOptions } from "@/lib/matrix/pdu-format";
export {
  authEventIds,
  eventContentSchemas,
  isKnownEventType,
  parseEventContent,
  parseTypedPdu,
  pduSchema,
  prevEventIds,
  redactsOf,
  type EventContentMap,
  type KnownEventType,
  type Pdu,
  type TypedPdu,
} from "@/lib/matrix/pdu-types";
export { redactEvent } from "@/lib/matrix/redaction";
export { DEFAULT_ROOM_VERSION, findRoomVersion, getRoomVersion, ROOM_VERSIONS, SUPPORTED_ROOM_VERSIONS, type RoomVersion } from "@/lib/matrix/room-versions";
export { buildServerKeyResponse, MAX_KEY_VALIDITY_MS, parseServerKeyResponse, type ServerKeys } from "@/lib/matrix/server-keys";
export { signEvent } from "@/lib/matrix/sign-event";
export { computeSignature, signJson, signatureKeyIds, verifyJsonSignature, type SignatureCheck } from "@/lib/matrix/signatures";
export {
  deriveKeyId,
  formatSigningKeyFile,
  generateSigningKey,
  isValidKeyId,
  parseSigningKeyFile,
  signingKeyFromSeed,
  type SigningKey,
} from "@/lib/matrix/signing-key";
export { toVerifyKey, type VerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";
export { requiredSigners, verifyPdu, type PduVerification, type VerifyPduOptions } from "@/lib/matrix/verify-pdu";
export {
  buildXMatrixAuthorization,
  parseXMatrixAuthorization,
  verifyXMatrixRequest,
  type IncomingXMatrixRequest,
  type XMatrixCredentials,
  type XMatrixRequest,
  type XMatrixVerification,
} from "@/lib/matrix/x-matrix";
