import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { generateSigningKey, type SigningKey } from "@/lib/matrix/signing-key";
import { buildXMatrixAuthorization } from "@/lib/matrix/x-matrix";
import { canonicalJson } from "@/lib/matrix/canonical-json";

// The inbound limits through the real router, key store and database (docs/limits.md): a request
// whose X-Matrix header cannot be checked is refused before a byte of its body is read, a body
// past its route's cap is refused with 413 without being read to the end, and one origin's flood
// gets 429 M_LIMIT_EXCEEDED while another origin keeps being served.

vi.hoisted(() => {
  // Read once by lib/env.ts on first use. Short windows and delays keep the flood test quick.
  Object.assign(process.env, {
    ARCHIVE_SERVER_NAME: "archive.test",
    FEDERATION_RC_WINDOW_MS: "60000",
    FEDERATION_RC_SLEEP_LIMIT: "5",
    FEDERATION_RC_SLEEP_DELAY_MS: "20",
    FEDERATION_RC_REJECT_LIMIT: "10",
    FEDERATION_RC_CONCURRENT: "2",
  });
});

const { handleFederationRequest } = await import("@/lib/federation/inbound/router");

let db: TestDatabase;
const keys = new Map<string, SigningKey>();

beforeAll(async () => {
  db = await createTestDatabase();
  // The app's getDb() is this database (lib/db.ts keeps the process's database on globalThis).
  (globalThis as unknown as { archiveDatabase?: unknown }).archiveDatabase = db;
  for (const origin of ["flood.test", "calm.test", "sender.test"]) {
    const key = generateSigningKey();
    keys.set(origin, key);
    await db.prisma.serverKey.create({
      data: { serverName: origin, keyId: key.keyId, publicKey: key.publicKey, validUntilTs: BigInt(Date.now() + 86_400_000), fetchedAt: new Date() },
    });
  }
});
afterAll(async () => db?.close());

/** A body stream that counts the bytes the server pulled from it. */
function countingBody(totalBytes: number, chunk = 64 * 1024) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (state.pulled >= totalBytes) return controller.close();
        const n = Math.min(chunk, totalBytes - state.pulled);
        state.pulled += n;
        controller.enqueue(new Uint8Array(n).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state };
}

function signed(origin: string, method: string, path: string, content?: unknown, key = keys.get(origin)!): string {
  return buildXMatrixAuthorization({ method, uri: path, origin, destination: "archive.test", content: content as never }, key);
}

const request = (method: string, path: string, init: { authorization?: string; body?: BodyInit; headers?: Record<string, string> } = {}) =>
  new Request(`https://archive.test${path}`, {
    method,
    headers: { ...(init.authorization ? { authorization: init.authorization } : {}), ...init.headers },
    body: init.body,
    ...(init.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);

const SEND = "/_matrix/federation/v1/send/txn1";

describe("authentication before the body", () => {
  const refusals: [string, (body: string) => string | undefined][] = [
    ["no Authorization header", () => undefined],
    ["a malformed X-Matrix header", () => 'X-Matrix origin="sender.test",key=nokey'],
    ["a key the origin does not have", () => signed("sender.test", "PUT", SEND, {}, generateSigningKey("ed25519:other"))],
    ["another destination", () => 'X-Matrix origin="sender.test",destination="elsewhere.test",key="ed25519:a",sig="x"'],
    ["an origin whose keys cannot be fetched", () => signed("127.0.0.1:9", "PUT", SEND, {}, generateSigningKey())],
  ];
  for (const [what, authorization] of refusals) {
    it(`refuses ${what} without reading the body`, async () => {
      const { stream, state } = countingBody(1024 * 1024);
      const res = await handleFederationRequest(request("PUT", SEND, { authorization: authorization(""), body: stream }));
      expect([400, 401]).toContain(res.status);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_UNAUTHORIZED");
      expect(state.pulled).toBe(0);
    });
  }

  it("refuses a wrong signature by a known key after reading the body, and never past the cap", async () => {
    const body = canonicalJson({ origin: "sender.test", origin_server_ts: 1, pdus: [] });
    const res = await handleFederationRequest(request("PUT", SEND, { authorization: signed("sender.test", "PUT", SEND, { other: 1 }), body }));
    expect(res.status).toBe(401);
  });
});

describe("body caps", () => {
  const auth = () => signed("sender.test", "PUT", SEND, {});

  it("refuses a declared Content-Length over the cap with 413 before reading", async () => {
    const { stream, state } = countingBody(5 * 1024 * 1024);
    const res = await handleFederationRequest(
      request("PUT", SEND, { authorization: auth(), body: stream, headers: { "content-length": String(5 * 1024 * 1024) } }),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_TOO_LARGE");
    expect(state.pulled).toBe(0);
  });

  it("stops reading a streamed body at the first chunk past the cap", async () => {
    const { stream, state } = countingBody(64 * 1024 * 1024);
    const res = await handleFederationRequest(request("PUT", SEND, { authorization: auth(), body: stream }));
    expect(res.status).toBe(413);
    expect(state.pulled).toBeGreaterThan(4 * 1024 * 1024);
    expect(state.pulled).toBeLessThanOrEqual(4 * 1024 * 1024 + 2 * 64 * 1024);
  });

  it("gives the key query a smaller cap than /send", async () => {
    const path = "/_matrix/federation/v1/user/keys/query";
    const { stream, state } = countingBody(1024 * 1024);
    const res = await handleFederationRequest(request("POST", path, { authorization: signed("sender.test", "POST", path, {}), body: stream }));
    expect(res.status).toBe(413);
    expect(state.pulled).toBeLessThanOrEqual(64 * 1024 + 64 * 1024);
  });

  it("accepts a transaction within the cap", async () => {
    const content = { origin: "sender.test", origin_server_ts: 1, pdus: [] };
    const res = await handleFederationRequest(
      request("PUT", SEND, { authorization: signed("sender.test", "PUT", SEND, content), body: canonicalJson(content) }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ pdus: {} });
  });
});

describe("per-origin rate and concurrency limits", () => {
  const path = "/_matrix/federation/v1/event/$missing";
  const get = (origin: string) => handleFederationRequest(request("GET", path, { authorization: signed(origin, "GET", path) }));

  it("slows, then refuses a flooding origin with 429 and retry_after_ms, while another origin is served", async () => {
    const flood = await Promise.all(Array.from({ length: 30 }, () => get("flood.test")));
    const statuses = flood.map((r) => r.status);
    // 10 per window are let through (the 6th to the 10th after a delay), the other 20 refused.
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(statuses.filter((s) => s === 404)).toHaveLength(10);
    const refused = flood.find((r) => r.status === 429)!;
    const body = (await refused.json()) as { errcode: string; retry_after_ms: number };
    expect(body.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(body.retry_after_ms).toBeLessThanOrEqual(60_000);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

    const calm = await Promise.all(Array.from({ length: 5 }, () => get("calm.test")));
    expect(calm.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
  });
});
