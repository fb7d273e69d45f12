import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifyPool, sharesFor, verifyMany, workerFile, type VerifyPool } from "@/lib/federation/verify-pool";
import { loadRooms, loadServerKeys, manifest, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { isJsonObject, JsonNumber, type JsonObject } from "@/lib/matrix/json-value";
import { signEvent } from "@/lib/matrix/sign-event";
import { generateSigningKey } from "@/lib/matrix/signing-key";
import { parseServerKeyResponse } from "@/lib/matrix/server-keys";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";

// The pool must give the decisions the ingest's own thread gives, PDU for PDU and in order:
// real Synapse PDUs of every recorded room version, and copies broken in each way that leads
// to a different outcome (bad signature, missing signature, content hash mismatch, a key
// server that does not answer, not a PDU at all).

const rooms = loadRooms();
const firstTs = Math.min(...rooms.flatMap((r) => r.served.map((e) => e.origin_server_ts as number)));
const keys = parseServerKeyResponse(loadServerKeys(), manifest.serverName, firstTs);
const UNREACHABLE = "unreachable.example";
const own = generateSigningKey();
const lookup: VerifyKeyLookup = async (server, keyId) => {
  if (server === UNREACHABLE) throw new Error(`${UNREACHABLE} did not answer`);
  if (server === "a.example") return keyId === own.keyId ? own.publicKey : undefined;
  return server === manifest.serverName ? keys.verifyKeys[keyId] : undefined;
};

function broken(pdu: JsonObject): JsonObject[] {
  const content = isJsonObject(pdu.content) ? pdu.content : {};
  const signatures = isJsonObject(pdu.signatures) ? pdu.signatures : {};
  return [
    { ...pdu, origin_server_ts: (pdu.origin_server_ts as number) + 1 },
    { ...pdu, signatures: {} },
    { ...pdu, content: { ...content, body: "changed after signing" } },
    { ...pdu, sender: `@someone:${UNREACHABLE}`, signatures: { ...signatures, [UNREACHABLE]: { "ed25519:a": "AAAA" } } },
    { type: "m.room.message" },
  ];
}

// Both ways a worker thread can load its task: through tsx (tests, the CLI) and the bundle the
// build puts beside the server (built here the way scripts/build-server.mjs builds it).
const scratch = mkdtempSync(path.join(os.tmpdir(), "verify-pool-"));
const pools: Record<string, VerifyPool | null> = { tsx: createVerifyPool(2) };
beforeAll(async () => {
  const bundle = path.join(scratch, "verify-worker.mjs");
  await build({
    entryPoints: [path.resolve("lib/federation/verify-worker.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    tsconfig: path.resolve("tsconfig.json"),
    logLevel: "warning",
    // Packages are resolved from the project's node_modules, as for the built server.
    nodePaths: [path.resolve("node_modules")],
  });
  pools.bundle = createVerifyPool(2, bundle);
}, 60_000);
afterAll(async () => {
  await Promise.all(Object.values(pools).map((p) => p?.destroy()));
  rmSync(scratch, { recursive: true, force: true });
});

describe("the verification pool", () => {
  it("cuts small batches into no shares and large ones into one per thread", () => {
    expect(sharesFor(5, 2)).toBe(1);
    expect(sharesFor(31, 2)).toBe(1);
    expect(sharesFor(100, 2)).toBe(2);
    expect(sharesFor(100, 8)).toBe(6);
  });

  it("loads the bundled worker only in the built server, where the build put it beside the server", () => {
    const dir = path.join(scratch, "app", ".next", "archive");
    mkdirSync(dir, { recursive: true });
    const start = path.join(dir, "start.mjs");
    const boot = path.resolve(scratch, "app", "lib/federation/verify-worker-boot.mjs");
    expect(workerFile(start, path.join(scratch, "app"))).toBe(boot); // no bundle beside it
    writeFileSync(path.join(dir, "verify-worker.mjs"), "");
    expect(workerFile(start, path.join(scratch, "app"))).toBe(path.join(dir, "verify-worker.mjs"));
    expect(workerFile(path.resolve("node_modules/vitest/vitest.mjs"), path.join(scratch, "app"))).toBe(boot);
    expect(workerFile(path.join(scratch, "app", "start.mjs"), path.join(scratch, "app"))).toBe(boot);
  });

  it.each(["tsx", "bundle"])("agrees with the inline path on PDUs a JSON text cannot carry exactly (worker loaded by %s)", async (loader) => {
    const pool = pools[loader];
    const event = (i: number, extra: JsonObject): JsonObject =>
      signEvent(
        {
          type: "m.room.power_levels",
          state_key: "",
          room_id: "!room:a.example",
          sender: "@alice:a.example",
          origin_server_ts: 1_700_000_000_000 + i,
          depth: 5,
          content: { users_default: 0 },
          prev_events: [["$p:a.example", { sha256: "x" }]],
          auth_events: [],
          event_id: `$e${i}:a.example`,
          ...extra,
        },
        "1",
        "a.example",
        own,
      );
    const batch: JsonObject[] = [];
    for (let i = 0; i < 40; i++) {
      batch.push(event(i, {}));
      // A big depth and a float power level: JsonNumbers, which a structured clone would turn into plain objects.
      batch.push(event(i, { depth: new JsonNumber("9007199254740993"), content: { users_default: new JsonNumber("50.0") } }));
      batch.push({ ...event(i, {}), content: { users_default: -0 } });
      batch.push({ ...event(i, {}), unsigned: { age: undefined } as unknown as JsonObject });
    }
    const inline = await verifyMany(batch, "1", lookup, { pool: null });
    const before = pool!.completed;
    const pooled = await verifyMany(batch, "1", lookup, { pool });
    expect(pool!.completed - before).toBeGreaterThanOrEqual(2);
    expect(pooled).toEqual(inline);
    expect(pooled.filter((o) => o.status === "accepted" && !o.redacted)).toHaveLength(batch.length);
    const kept = pooled[1];
    expect(kept?.status === "accepted" && kept.pdu.depth).toBeInstanceOf(JsonNumber);
  });

  it.each(rooms.flatMap((r) => ["tsx", "bundle"].map((loader) => [r.roomVersion, loader, r] as const)))(
    "agrees with the inline path on recorded PDUs of room version %s (worker loaded by %s)",
    async (roomVersion, loader, room) => {
      const pool = pools[loader];
      expect(pool).not.toBeNull();
      const pdus = room.served.map((served) => toPdu(served, roomVersion));
      const batch = [...pdus, ...pdus.flatMap(broken)];
      expect(sharesFor(batch.length, 2)).toBeGreaterThanOrEqual(2);

      const inline = await verifyMany(batch, roomVersion, lookup, { pool: null, skipCountLimits: true });
      const before = pool!.completed;
      const pooled = await verifyMany(batch, roomVersion, lookup, { pool, skipCountLimits: true });
      // The workers gave the outcomes (the fallback to this thread would look the same).
      expect(pool!.completed - before).toBeGreaterThanOrEqual(2);
      expect(pooled).toEqual(inline);

      const statuses = new Set(inline.map((o) => (o.status === "accepted" && o.redacted ? "redacted" : o.status)));
      expect([...statuses].sort()).toEqual(["accepted", "deferred", "dropped", "redacted"]);
    },
    120_000,
  );
});
