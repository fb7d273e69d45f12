import { getDb } from "@/lib/db";
import { ADMIN_PREFIX, handleAdmin } from "@/lib/federation/inbound/admin";
import { authorizationValues, verifyRequest } from "@/lib/federation/inbound/authenticate";
import { errorResponse, InboundError, jsonResponse, readBody, requestTarget, respond, unrecognized } from "@/lib/federation/inbound/http";
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
// authenticated routes check X-Matrix before reading the body and verify it after parsing;
// anything not in the table is 404 M_UNRECOGNIZED, a known path with another method 405.

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
  handler: (ctx: RouteContext) => Promise<Response> | Response;
}

const P = "[^/]+";
const FED = "/_matrix/federation";
const route = (method: Route["method"], path: string, auth: boolean, handler: Route["handler"]): Route => ({
  method,
  pattern: new RegExp(`^${path.replace(/\./g, "\\.").replace(/\{\}/g, `(${P})`)}$`),
  auth,
  handler,
});

const SERVER_SOFTWARE = { name: "matrix-archive", version: "0.1.0" };

const SEND_ROUTE = route("PUT", `${FED}/v1/send/{}`, true, (c) => handleSendTransaction(getDb(), c.origin, c.params[0]!, requireBody(c)));

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
  route("POST", `${FED}/v1/user/keys/query`, true, (c) => handleUserKeysQuery(c.body)),
  route("POST", `${FED}/v1/user/keys/claim`, true, () => handleUserKeysClaim()),
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

    const authorization = found.auth ? authorizationValues(request) : [];
    let body: JsonObject | undefined;
    if (request.method === "PUT" || request.method === "POST") {
      const bytes = await readBody(request);
      if (bytes.byteLength > 0) body = parseBody(bytes);
    }
    const origin = found.auth ? await verifyRequest(request, authorization, uri, body) : "";
    // SERVER_DENY (lib/federation/policy.ts): a denied server gets nothing from the archive. Its
    // transactions still get a well-formed 200 that stores nothing (handleSendTransaction).
    if (origin && serverDenied(origin) && found !== SEND_ROUTE) throw new InboundError(403, "M_FORBIDDEN", "This server is denied by the archive's operator");
    return found.handler({ request, url, params, origin, body });
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
