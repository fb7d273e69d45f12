import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAddressPolicy } from "@/lib/federation/address-guard";
import { resolveServerName } from "@/lib/federation/discovery";
import { closeTransportPools, httpsRequest, TransportError } from "@/lib/federation/transport";

// The transport against a real TLS server on loopback: the SSRF guard refuses names and IP
// literals that land on loopback unless the policy allows them, and when allowed the request
// carries the right Host header, SNI and certificate check.

let dir: string;
let server: https.Server;
let port: number;
let ca: string;
/** TLS connections the server accepted since the last reset, how many of those are open, and the most at once. */
let connections = { opened: 0, open: 0, peak: 0 };
const seen: Array<{ host?: string; sni?: string | false; url?: string }> = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "transport-test-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-keyout",
      path.join(dir, "key.pem"),
      "-out",
      path.join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  ca = readFileSync(path.join(dir, "cert.pem"), "utf8");
  server = https.createServer({ key: readFileSync(path.join(dir, "key.pem")), cert: ca }, (req, res) => {
    seen.push({ host: req.headers.host, sni: (req.socket as TLSSocket).servername ?? undefined, url: req.url });
    if (req.url === "/slow") return; // never answers
    if (req.url === "/big") {
      res.end("x".repeat(200_000));
      return;
    }
    res.setHeader("Content-Type", "application/json");
    res.end('{"ok":true}');
  });
  server.on("secureConnection", (socket: TLSSocket) => {
    const counted = connections;
    counted.opened++;
    counted.open++;
    counted.peak = Math.max(counted.peak, counted.open);
    socket.on("close", () => counted.open--);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const noLookups = { wellKnown: async () => ({ ok: false as const, maxAgeMs: 0 }), srv: async () => [] };

describe("httpsRequest with the SSRF guard", () => {
  it("refuses a server name that resolves only to loopback when private addresses are not allowed", async () => {
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    const attempt = httpsRequest(target, { method: "GET", pathAndQuery: "/x" }, { policy: createAddressPolicy([]), extraCa: ca });
    await expect(attempt).rejects.toBeInstanceOf(TransportError);
    await expect(attempt).rejects.toMatchObject({ code: "M_ADDRESS_POLICY" });
  });

  it("refuses a loopback IP literal without connecting", async () => {
    const { target } = await resolveServerName(`127.0.0.1:${port}`, noLookups);
    const before = seen.length;
    await expect(
      httpsRequest(target, { method: "GET", pathAndQuery: "/x" }, { policy: createAddressPolicy(["10.0.0.0/8"]), extraCa: ca }),
    ).rejects.toMatchObject({
      code: "M_ADDRESS_POLICY",
    });
    expect(seen.length).toBe(before);
  });

  it("connects when loopback is allowed, with Host and SNI naming the server", async () => {
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    const res = await httpsRequest(target, { method: "GET", pathAndQuery: "/_matrix/x?a=%24b" }, { policy: createAddressPolicy(["loopback"]), extraCa: ca });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
    expect(seen.at(-1)).toEqual({ host: `localhost:${port}`, sni: "localhost", url: "/_matrix/x?a=%24b" });
  });

  it("checks the certificate against the expected name, and trusts only the configured CA", async () => {
    const policy = createAddressPolicy(["loopback"]);
    const wrongName = { connectHost: "127.0.0.1", port, hostHeader: "other.example", tlsName: "other.example" };
    await expect(httpsRequest(wrongName, { method: "GET", pathAndQuery: "/" }, { policy, extraCa: ca })).rejects.toMatchObject({ code: "M_CONNECTION_FAILED" });
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    await expect(httpsRequest(target, { method: "GET", pathAndQuery: "/" }, { policy })).rejects.toMatchObject({ code: "M_CONNECTION_FAILED" });
  });

  it("bounds time and response size", async () => {
    const policy = createAddressPolicy(["loopback"]);
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    await expect(httpsRequest(target, { method: "GET", pathAndQuery: "/slow", timeoutMs: 300 }, { policy, extraCa: ca })).rejects.toMatchObject({
      code: "M_TIMEOUT",
    });
    await expect(httpsRequest(target, { method: "GET", pathAndQuery: "/big", maxResponseBytes: 1000 }, { policy, extraCa: ca })).rejects.toMatchObject({
      code: "M_TOO_LARGE",
    });
  });
});

describe("pooled, kept-alive connections", () => {
  const resetCounts = () => (connections = { opened: 0, open: 0, peak: 0 });

  it("reuses one connection for requests one after another", async () => {
    const policy = createAddressPolicy(["loopback"]);
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    resetCounts();
    for (let i = 0; i < 5; i++) {
      const res = await httpsRequest(target, { method: "GET", pathAndQuery: `/seq${i}` }, { policy, extraCa: ca });
      expect(res.status).toBe(200);
    }
    expect(connections.opened).toBe(1);
    closeTransportPools(policy);
  });

  it("a stalled server holds at most the configured number of connections; the other requests wait and time out", async () => {
    const policy = createAddressPolicy(["loopback"]);
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    resetCounts();
    const started = Date.now();
    const attempts = Array.from({ length: 12 }, () =>
      httpsRequest(target, { method: "GET", pathAndQuery: "/slow", timeoutMs: 600 }, { policy, extraCa: ca, maxConnectionsPerServer: 3 }),
    );
    const results = await Promise.allSettled(attempts);
    expect(results.every((r) => r.status === "rejected" && (r.reason as TransportError).code === "M_TIMEOUT")).toBe(true);
    // Every request is bounded by its own time limit, waiting for a connection included.
    expect(Date.now() - started).toBeLessThan(5_000);
    // A waiting request whose time is not up takes a freed slot, so more than three may open in turn, never at once.
    expect(connections.peak).toBe(3);
    // After the stall, the pool opens new connections and answers.
    const res = await httpsRequest(target, { method: "GET", pathAndQuery: "/after" }, { policy, extraCa: ca, maxConnectionsPerServer: 3 });
    expect(res.status).toBe(200);
    closeTransportPools(policy);
  });

  it("checks every new connection against the policy, also when the pool opens it for a later request", async () => {
    const allowing = createAddressPolicy(["loopback"]);
    const checked: string[] = [];
    const policy = { ...allowing, allows: (address: string) => (checked.push(address), allowing.allows(address)) };
    const { target } = await resolveServerName(`localhost:${port}`, noLookups);
    await Promise.all(Array.from({ length: 3 }, (_, i) => httpsRequest(target, { method: "GET", pathAndQuery: `/par${i}` }, { policy, extraCa: ca })));
    // Three requests at once need three connections; each resolved through the guard.
    expect(checked.length).toBeGreaterThanOrEqual(3);
    closeTransportPools(policy);
    checked.length = 0;
    await httpsRequest(target, { method: "GET", pathAndQuery: "/again" }, { policy, extraCa: ca });
    expect(checked.length).toBeGreaterThanOrEqual(1);
    closeTransportPools(policy);
  });
});
