/**
 * The archive as a small, read-only federation participant (design.md "Federation participant").
 *
 * Joining and filling (what lib/archive and jobs call; every PDU is verified by lib/matrix's
 * verifyPdu with the remote key cache, and stored only through lib/timeline):
 * - `joinRoom(roomIdOrAlias, { via?, backfill? })` (lib/archive/join-room.ts): alias via the
 *   directory query, make_join with every supported `ver`, send_join v2, verify state + auth
 *   chain, keep the room only if world_readable (else leave), record name/topic/alias/history
 *   visibility/who made it world_readable/servers, then a bounded background backfill.
 * - `backfillRoom(roomId, { maxEvents?, maxRequests?, timeoutMs?, batchSize?, shouldStop? })`:
 *   fills the latest cluster of gaps with /backfill until the room is contiguous or a bound is
 *   hit; resumable (the timeline's gaps are its only state).
 * - `fillForwards(roomId, fromEventId, { limit?, servers? })`: MSC4000 forwards_fill on each
 *   server (unsupported servers remembered), else /get_missing_events back from the first stored
 *   event after the gap; stores into the gap after `fromEventId`.
 * - `jumpToTimestamp(roomId, ts, "f" | "b")`: timestamp_to_event, /event, stored as an island.
 * - `ensureFederationReady()`: start-up (signing key, settings), for instrumentation.ts.
 *
 * Client calls (signed X-Matrix, discovery + SSRF guard, bounded time/size/retries, zod-checked
 * answers): `getPublicRooms`, `queryDirectory`, `timestampToEvent`, `getEvent`, `getStateIds`,
 * `backfill`, `getMissingEvents`, `makeJoin`, `sendJoin`, `getVersion`, `forwardsFill`.
 *
 * Inbound: app/%5Fmatrix/[...path]/route.ts → `handleFederationRequest(request)` (router.ts):
 * key server, version, /send, forwards_fill (unstable and v1), /backfill, /event, /state_ids,
 * user queries, the operator API under /_matrix/archive/v1/admin (ARCHIVE_ADMIN_TOKEN), and
 * 404/405 M_UNRECOGNIZED for everything else.
 */
export { backfillRoom, type BackfillOptions, type BackfillReport } from "@/lib/federation/backfill";
export { fillForwards, type ForwardsFillReport } from "@/lib/federation/fill-forwards";
export { jumpToTimestamp, type JumpResult } from "@/lib/federation/jump";
export { ensureFederationReady } from "@/lib/federation/ready";
export {
  backfill,
  getEvent,
  getMissingEvents,
  getPublicRooms,
  getStateIds,
  getVersion,
  makeJoin,
  queryDirectory,
  sendJoin,
  timestampToEvent,
} from "@/lib/federation/client/endpoints";
export { forwardsFill, type ForwardsFillResult } from "@/lib/federation/client/forwards-fill";
export { FederationHttpError, FederationResponseError } from "@/lib/federation/client/request";
export { handleFederationRequest } from "@/lib/federation/inbound/router";
