import { z } from "zod";
import { federationRequest, parseResponse } from "@/lib/federation/client/request";
import { getDb, type Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/log";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import { signatureKeyIds, verifyJsonSignature } from "@/lib/matrix/signatures";
import type { VerifyKey, VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { FederationError } from "@/lib/federation/errors";

// Remote servers' verify keys: fetched from the server itself (then through configured notaries),
// checked (server_name, self-signature, notary signature), cached in server_keys.

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A server that just failed to give us keys is not asked again for a while: 30 s after the first
 * failure, doubling with each failure in a row up to 30 minutes (a name an attacker made up, put
 * as the origin of request after request, is then asked about rarely).
 */
const BACKOFF_FIRST_MS = 30_000;
const BACKOFF_MAX_MS = 30 * 60_000;
/** Servers whose failures are remembered at most (the oldest are forgotten first). */
const BACKOFF_ENTRIES = 10_000;
/** Key fetches started by inbound requests at most at once (an unknown origin on each request must not become a fetch storm). */
const INBOUND_FETCHES_IN_FLIGHT = 8;

export interface RemoteKey {
  serverName: string;
  keyId: string;
  publicKey: string;
  /** Already capped at fetch time + 7 days (FR/v5-signing-requirements). */
  validUntilTs: number;
  /** Set for old_verify_keys: only good for events sent before it. */
  expiredTs?: number;
}

const keyObject = z.object({
  server_name: z.string(),
  valid_until_ts: z.number().int(),
  verify_keys: z.record(z.string(), z.object({ key: z.string() })),
  old_verify_keys: z.record(z.string(), z.object({ key: z.string(), expired_ts: z.number().int() })).optional(),
});

/**
 * Checks one key object as served by `server` (or relayed by `notary`) and returns its keys.
 * The object must name the server and carry a valid signature by one of its own verify keys.
 */
export function verifyKeyObject(server: string, object: JsonObject, fetchedAt: number): RemoteKey[] {
  const parsed = keyObject.safeParse(object);
  if (!parsed.success) throw new Error(`key response of ${server} is malformed: ${z.prettifyError(parsed.error)}`);
  const body = parsed.data;
  if (body.server_name !== server) throw new Error(`key response names ${body.server_name}, not ${server}`);
  const signedBy = signatureKeyIds(object, server).filter((id) => body.verify_keys[id]);
  if (signedBy.length === 0) throw new Error(`key response of ${server} is not signed by any of its verify keys`);
  for (const keyId of signedBy) {
    if (verifyJsonSignature(object, server, keyId, body.verify_keys[keyId]!.key) !== "valid") {
      throw new Error(`key response of ${server} has a bad signature by ${keyId}`);
    }
  }
  const validUntilTs = Math.min(body.valid_until_ts, fetchedAt + WEEK_MS);
  const keys: RemoteKey[] = Object.entries(body.verify_keys).map(([keyId, v]) => ({ serverName: server, keyId, publicKey: v.key, validUntilTs }));
  for (const [keyId, v] of Object.entries(body.old_verify_keys ?? {})) {
    if (!body.verify_keys[keyId]) keys.push({ serverName: server, keyId, publicKey: v.key, validUntilTs, expiredTs: v.expired_ts });
  }
  return keys;
}

const keyObjectJson = z.custom<JsonObject>(isJsonObject, "expected a key object");

async function fetchDirect(server: string): Promise<RemoteKey[]> {
  const res = await federationRequest(server, {
    method: "GET",
    path: "/_matrix/key/v2/server",
    signed: false,
    timeoutMs: 10_000,
    maxResponseBytes: 256 * 1024,
  });
  const object = parseResponse(server, "GET /_matrix/key/v2/server", res, keyObjectJson);
  return verifyKeyObject(server, object, Date.now());
}

async function fetchViaNotary(server: string, notary: string): Promise<RemoteKey[]> {
  const notaryKeys = await getServerKeys(notary, { direct: true });
  const res = await federationRequest(notary, {
    method: "POST",
    path: "/_matrix/key/v2/query",
    body: { server_keys: { [server]: {} } },
    timeoutMs: 15_000,
    maxResponseBytes: 1024 * 1024,
  });
  const body = parseResponse(notary, "POST /_matrix/key/v2/query", res, z.object({ server_keys: z.array(keyObjectJson) }));
  const keys = keysFromNotary(server, notary, notaryKeys, body.server_keys, Date.now());
  if (keys.length === 0) throw new Error(`notary ${notary} gave no valid keys for ${server}`);
  return keys;
}

/**
 * The keys of `server` in a notary's answer: only key objects that the server signed itself
 * (checked as a direct answer would be) and that the notary signed with a current key.
 */
export function keysFromNotary(server: string, notary: string, notaryKeys: readonly RemoteKey[], objects: readonly JsonObject[], now: number): RemoteKey[] {
  const keys: RemoteKey[] = [];
  for (const object of objects) {
    if (object.server_name !== server) continue;
    const notarySigned = signatureKeyIds(object, notary).filter((id) => notaryKeys.some((k) => k.keyId === id && k.expiredTs === undefined));
    if (notarySigned.length === 0) continue;
    const ok = notarySigned.every((id) => verifyJsonSignature(object, notary, id, notaryKeys.find((k) => k.keyId === id)!.publicKey) === "valid");
    if (!ok) continue;
    try {
      keys.push(...verifyKeyObject(server, object, now));
    } catch {
      // a bad object from a notary is skipped, not fatal: another may be good
    }
  }
  return keys;
}

async function store(db: Db, keys: RemoteKey[]): Promise<void> {
  for (const k of keys) {
    const data = {
      publicKey: k.publicKey,
      validUntilTs: BigInt(k.validUntilTs),
      expiredTs: k.expiredTs === undefined ? null : BigInt(k.expiredTs),
      fetchedAt: new Date(),
    };
    await db.serverKey.upsert({
      where: { serverName_keyId: { serverName: k.serverName, keyId: k.keyId } },
      create: { serverName: k.serverName, keyId: k.keyId, ...data },
      update: data,
    });
  }
}

async function cached(db: Db, server: string): Promise<RemoteKey[]> {
  const rows = await db.serverKey.findMany({ where: { serverName: server } });
  return rows.map((r) => ({
    serverName: r.serverName,
    keyId: r.keyId,
    publicKey: r.publicKey,
    validUntilTs: Number(r.validUntilTs),
    expiredTs: r.expiredTs === null ? undefined : Number(r.expiredTs),
  }));
}

const failures = new Map<string, { at: number; count: number }>();
const inFlight = new Map<string, Promise<RemoteKey[]>>();

/** When `server` may be asked again after its failures in a row (exported for tests). */
export function retryAfter(failure: { at: number; count: number }): number {
  return failure.at + Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(20, failure.count - 1));
}

function noteFailure(server: string): void {
  const count = (failures.get(server)?.count ?? 0) + 1;
  failures.delete(server);
  failures.set(server, { at: Date.now(), count });
  if (failures.size > BACKOFF_ENTRIES) failures.delete(failures.keys().next().value!);
}

interface KeyQuery {
  /** Key IDs the caller needs; when any is missing from the cache, the server is asked. */
  keyIds?: readonly string[];
  /** The keys must be valid at least until this time (now for requests, origin_server_ts for events). */
  minimumValidUntilTs?: number;
  /** Skip notaries (used to get a notary's own key). */
  direct?: boolean;
  /** Throw when the keys are not cached and cannot be fetched, instead of returning what is known. */
  throwOnFailure?: boolean;
  /** Refuse to start a fetch while this many fetches are under way (inbound requests). */
  maxFetchesInFlight?: number;
  db?: Db;
}

/**
 * Keys of `server`, from the cache when they satisfy the query, else fetched (direct, then each
 * configured notary) and cached. Returns what is known; callers decide whether it suffices.
 */
async function getServerKeys(server: string, query: KeyQuery = {}): Promise<RemoteKey[]> {
  const db = query.db ?? getDb();
  const minValid = query.minimumValidUntilTs ?? Date.now();
  const known = await cached(db, server);
  const satisfies = (keys: RemoteKey[]) => {
    const wanted = query.keyIds ?? keys.filter((k) => k.expiredTs === undefined).map((k) => k.keyId);
    return wanted.length > 0 && wanted.every((id) => keys.some((k) => k.keyId === id && (k.expiredTs !== undefined || k.validUntilTs >= minValid)));
  };
  if (satisfies(known)) return known;
  const failure = failures.get(server);
  if (failure !== undefined && Date.now() < retryAfter(failure)) {
    if (query.throwOnFailure) throw new KeyFetchError(`keys of ${server} could not be fetched recently; not retrying yet`);
    return known;
  }
  let pending = inFlight.get(server);
  if (!pending && query.maxFetchesInFlight !== undefined && inFlight.size >= query.maxFetchesInFlight) {
    throw new KeyFetchError(`too many key fetches under way; keys of ${server} are not fetched now`);
  }
  if (!pending) {
    pending = fetchKeys(server, query.direct === true).finally(() => inFlight.delete(server));
    inFlight.set(server, pending);
  }
  try {
    const fresh = await pending;
    await store(db, fresh);
    failures.delete(server);
    return cached(db, server);
  } catch (err) {
    noteFailure(server);
    logger.warn({ server, err: (err as Error).message }, "could not fetch server keys");
    if (query.throwOnFailure) throw new KeyFetchError(`keys of ${server} could not be fetched: ${(err as Error).message}`);
    return known;
  }
}

async function fetchKeys(server: string, directOnly: boolean): Promise<RemoteKey[]> {
  const errors: string[] = [];
  try {
    return await fetchDirect(server);
  } catch (err) {
    errors.push((err as Error).message);
  }
  if (!directOnly) {
    for (const notary of getEnv().KEY_NOTARY_SERVERS) {
      if (notary === server) continue;
      try {
        return await fetchViaNotary(server, notary);
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
  }
  throw new Error(errors.join("; "));
}

export class KeyFetchError extends FederationError<"M_KEY_FETCH_FAILED"> {
  constructor(message: string) {
    super("M_KEY_FETCH_FAILED", message);
  }
}

/**
 * The key lookup lib/matrix's verification calls (VerifyKeyLookup). A key that cannot be fetched
 * because the server is unreachable throws, so the caller can retry later instead of treating
 * the PDU as forged.
 */
export function verifyKeyLookup(db?: Db): VerifyKeyLookup {
  return async (serverName, keyId, atTs) => {
    const keys = await getServerKeys(serverName, { keyIds: [keyId], minimumValidUntilTs: atTs, throwOnFailure: true, db });
    const key = keys.find((k) => k.keyId === keyId);
    return key ? toVerifyKey(key) : undefined;
  };
}

/**
 * The key lookup of inbound X-Matrix authentication: like verifyKeyLookup(), but it starts no fetch
 * while INBOUND_FETCHES_IN_FLIGHT are under way (the request is refused and its sender retries).
 */
export const lookupInboundVerifyKey: VerifyKeyLookup = async (serverName, keyId, atTs) => {
  const keys = await getServerKeys(serverName, {
    keyIds: [keyId],
    minimumValidUntilTs: atTs,
    throwOnFailure: true,
    maxFetchesInFlight: INBOUND_FETCHES_IN_FLIGHT,
  });
  const key = keys.find((k) => k.keyId === keyId);
  return key ? toVerifyKey(key) : undefined;
};

function toVerifyKey(k: RemoteKey): VerifyKey {
  return k.expiredTs === undefined
    ? { key: k.publicKey, validUntilTs: k.validUntilTs }
    : { key: k.publicKey, validUntilTs: k.validUntilTs, expiredTs: k.expiredTs };
}
