import { describe, expect, it, vi } from "vitest";

// The router's SERVER_DENY rule: a denied origin gets 403 M_FORBIDDEN from every authenticated
// endpoint, except /send, whose handler answers a well-formed 200 that stores nothing.

const ok = () => new Response("{}", { status: 200 });
const handlers = vi.hoisted(() => ({ backfill: vi.fn(), send: vi.fn() }));

vi.mock("@/lib/env", () => ({
  getEnv: () => ({
    SERVER_DENY: ["denied.test"],
    FEDERATION_RC_WINDOW_MS: 1000,
    FEDERATION_RC_SLEEP_LIMIT: 10,
    FEDERATION_RC_SLEEP_DELAY_MS: 500,
    FEDERATION_RC_REJECT_LIMIT: 50,
    FEDERATION_RC_CONCURRENT: 3,
    FEDERATION_BODY_BUFFER_MB: 64,
  }),
}));
vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } }));
vi.mock("@/lib/db", () => ({ getDb: () => ({}) }));
vi.mock("@/lib/federation/keys/own-key", () => ({ getOwnServerName: () => "archive.test", getOwnSigningKey: () => ({}) }));
vi.mock("@/lib/federation/keys/key-server", () => ({ buildServerKeyResponse: () => ({}) }));
vi.mock("@/lib/federation/inbound/admin", () => ({ ADMIN_PREFIX: "/_matrix/archive/v1/admin/", handleAdmin: () => ok() }));
vi.mock("@/lib/federation/inbound/authenticate", () => ({
  authenticateHeaders: async (request: Request) => ({ ok: true, origin: request.headers.get("x-test-origin") ?? "", signers: [] }),
  verifySignatures: (_request: Request, signed: { origin: string }) => signed.origin,
}));
vi.mock("@/lib/federation/inbound/queries", () => ({
  handleProfileQuery: () => ok(),
  handleUserDevices: () => ok(),
  handleUserKeysClaim: () => ok(),
  handleUserKeysQuery: () => ok(),
}));
vi.mock("@/lib/federation/inbound/send-transaction", () => ({ handleSendTransaction: handlers.send }));
vi.mock("@/lib/federation/inbound/serve-handlers", () => ({
  handleBackfill: handlers.backfill,
  handleEvent: () => ok(),
  handleForwardsFill: () => ok(),
  handleStateIds: () => ok(),
}));

const { handleFederationRequest } = await import("@/lib/federation/inbound/router");

const request = (method: string, path: string, origin: string, body?: string) =>
  new Request(`https://archive.test${path}`, { method, headers: { "x-test-origin": origin }, body });

describe("SERVER_DENY in the federation router", () => {
  it("answers 403 M_FORBIDDEN to a denied origin without running the handler", async () => {
    handlers.backfill.mockReset().mockImplementation(ok);
    const res = await handleFederationRequest(request("GET", "/_matrix/federation/v1/backfill/!room:hs.test?v=$e&limit=5", "denied.test"));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
    expect(handlers.backfill).not.toHaveBeenCalled();
  });

  it("serves other origins", async () => {
    handlers.backfill.mockReset().mockImplementation(ok);
    const res = await handleFederationRequest(request("GET", "/_matrix/federation/v1/backfill/!room:hs.test?v=$e&limit=5", "hs.test"));
    expect(res.status).toBe(200);
    expect(handlers.backfill).toHaveBeenCalledOnce();
  });

  it("lets a denied origin's transaction reach /send, which stores nothing and answers 200", async () => {
    handlers.send.mockReset().mockImplementation(ok);
    const res = await handleFederationRequest(request("PUT", "/_matrix/federation/v1/send/txn1", "denied.test", JSON.stringify({ pdus: [] })));
    expect(res.status).toBe(200);
    expect(handlers.send).toHaveBeenCalledOnce();
  });
});
