import { getDb } from "@/lib/db";
import { ADMIN_PREFIX, handleAdmin } from "@/lib/federation/inbound/admin";
import { authenticateHeaders, verifySignatures } from "@/lib/federation/inbound/authenticate";
import { withBodyBudget } from "@/lib/federation/inbound/body-budget";
import { errorResponse, InboundError, jsonResponse, readBody, requestTarget, respond, unrecognized } from "@/lib/federation/inbound/http";
import { federationOriginLimiter } from "@/lib/federation/inbound/origin-limits";
import { handleProfileQuery, handleUserDevices, handleUserKeysClaim, handleUserKeysQuery } from "@/lib/federation/inbound/queries";
import { handleSendTransaction } from "@/lib/federation/inbound/send-transaction";
import { handleBackfill, handleEvent, handleForwardsFill, handleStateIds } from "@/lib/federation/inbound/serve-handlers";
import { buildServerKeyResponse } from "@/lib/federation/keys/key-server";
import { getOwnServerName, getOwnSigningKey } from "@/lib/federation/keys/own-key";
import { serverDenied } from "@/lib/federation/policy";
import { MatrixProtocolError } from "@/lib/matrix/errors";
import type { JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";

// Every request under /_matrix comes through here (one catch-all route). A table of paths;
// anything not in the table is 404 M_UNRECOGNIZED, a known path with another method 405. An
// authenticated route, in this order (docs/limits.md): the X-Matrix header is parsed and the
// origin's key found (or fetched) before a byte of the body is read; the body is read up to the
// route's cap (413 past it) within the process's budget of body bytes being read; it is parsed
// (depth-bounded) and the signatures verified; the handler then runs within the origin's rate
// and concurrency limits (sleep, then 429 M_LIMIT_EXCEEDED).

interface RouteContext {
  request: Request;
  url: URL;
  /** Path parameters, percent-decoded. */
  params: string[];
  /** Authenticated origin server (authenticated routes only). */
  origin: string;
  body: JsonObject | undefined;
}

interface Route {
  method: "GET" | "PUT" | "POST";
  pattern: RegExp;
  auth: boolean;
  /** Largest body read (PUT and POST only; a GET's body is never read). */
  maxBodyBytes: number;
  handler: (ctx: RouteContext) => Promise<Response> | Response;
}

const KiB = 1024;
/**
 * A /send carries at most 50 PDUs of at most 64 KiB each (S2S § Transactions, the PDU size
 * limit) and 100 EDUs, which are small (typing, receipts, presence, device lists): 4 MiB holds
 * the largest legal transaction with room for its EDUs.
 */
const SEND_MAX_BYTES = 4 * 1024 * KiB;
/** /user/keys/query and /claim name users and devices: a few thousand fit in 64 KiB. */
const QUERY_MAX_BYTES = 64 * KiB;

const P = "[^/]+";
const FED = "/_matrix/federation";
const route = (method: Route["method"], path: string, auth: boolean, handler: Route["handler"], maxBodyBytes = 0): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/\./g, "\\.").replace(/\{\}/g, `(${P})`)}$`),
  auth,
  maxBodyBytes,
  handler,
});

const SERVER_SOFTWARE = { name: "matrix-archive", version: "0.1.0" };

const SEND_ROUTE = route("PUT", `${FED}/v1/send/{}`, true, (c) => handleSendTransaction(getDb(), c.origin, c.params[0]!, requireBody(c)), SEND_MAX_BYTES);

const routes: Route[] = [
  route("GET", "/_matrix/key/v2/server", false, () => jsonResponse(buildServerKeyResponse(getOwnServerName(), getOwnSigningKey()))),
  route("GET", `${FED}/v1/version`, false, () => jsonResponse({ server: SERVER_SOFTWARE })),
  SEND_ROUTE,
  route("GET", `${FED}/v1/forwards_fill/{}`, true, (c) => handleForwardsFill(getDb(), c.origin, c.params[0]!, c.url)),
  route("GET", `${FED}/org.matrix.msc4000/forwards_fill/{}`, true, (c) => handleForwardsFill(getDb(), c.origin, c.params[0]!, c.url)),
  route("GET", `${FED}/v1/backfill/{}`, true, (c) => handleBackfill(getDb(), c.origin, c.params[0]!, c.url)),
  route("GET", `${FED}/v1/event/{}`, true, (c) => handleEvent(getDb(), c.origin, c.params[0]!)),
  route("GET", `${FED}/v1/state_ids/{}`, true, (c) => handleStateIds(getDb(), c.origin, c.params[0]!, c.url)),
  route("GET", `${FED}/v1/query/profile`, true, (c) => handleProfileQuery(c.url)),
  route("GET", `${FED}/v1/user/devices/{}`, true, (c) => handleUserDevices(c.params[0]!)),
  route("POST", `${FED}/v1/user/keys/query`, true, (c) => handleUserKeysQuery(c.body), QUERY_MAX_BYTES),
  route("POST", `${FED}/v1/user/keys/claim`, true, () => handleUserKeysClaim(), QUERY_MAX_BYTES),
];

function requireBody(c: RouteContext): JsonObject {
  if (!c.body) throw new InboundError(400, "M_NOT_JSON", "a JSON body is required");
  return c.body;
}

export async function handleFederationRequest(request: Request): Promise<Response> {
  return respond("federation", async () => {
    const uri = requestTarget(request);
    const url = new URL(request.url);
    if (url.pathname.startsWith(ADMIN_PREFIX)) return handleAdmin(request, url.pathname.slice(ADMIN_PREFIX.length));
    const candidates = routes.filter((r) => r.pattern.test(url.pathname));
    if (candidates.length === 0) return unrecognized();
    const found = candidates.find((r) => r.method === request.method);
    if (!found) return errorResponse(405, "M_UNRECOGNIZED", "Unrecognized request");
    const params = (found.pattern.exec(url.pathname) ?? []).slice(1).map(decodeParam);

    if (!found.auth) return found.handler({ request, url, params, origin: "", body: undefined });

    const signed = await authenticateHeaders(request);
    // SERVER_DENY (lib/federation/policy.ts): a denied server gets nothing from the archive. Its
    // transactions still get a well-formed 200 that stores nothing (handleSendTransaction), once
    // they verify; every other route refuses it before reading anything.
    if (serverDenied(signed.origin) && found !== SEND_ROUTE) throw new InboundError(403, "M_FORBIDDEN", "This server is denied by the archive's operator");
    let body: JsonObject | undefined;
    if (request.method === "PUT" || request.method === "POST") {
      body = await withBodyBudget(request, found.maxBodyBytes, async () => {
        const bytes = await readBody(request, found.maxBodyBytes);
        return bytes.byteLength > 0 ? parseBody(bytes) : undefined;
      });
    }
    const origin = verifySignatures(request, signed, uri, body);
    return federationOriginLimiter().run(origin, async () => found.handler({ request, url, params, origin, body }));
  });
}

function parseBody(bytes: Uint8Array): JsonObject {
  try {
    return parseJsonObject(bytes);
  } catch (err) {
    if (err instanceof MatrixProtocolError) throw new InboundError(400, "M_NOT_JSON", `Content not JSON: ${err.message}`);
    throw err;
  }
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InboundError(400, "M_INVALID_PARAM", "malformed percent-encoding in the path");
  }
}
