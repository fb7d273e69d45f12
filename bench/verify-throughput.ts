/**
 * PDU verification throughput on one core, for realistic PDUs: the events a real Synapse
 * created (lib/matrix/__fixtures__, recorded by scripts/record-pdus.ts).
 *
 *   npx tsx bench/verify-throughput.ts
 *
 * Each row verifies the same PDUs over and over (after a warm-up) and reports the best of five
 * 300 ms rounds in PDUs per second. The step rows split one verification into its parts, to show where time goes.
 * The bare limit: Node's native ed25519 verify of one message of the PDUs' average signed size,
 * timed in the same run, and verifyPdu's rate as a share of it (a PDU needs at least that one
 * signature check; everything else — redaction, canonical JSON, two sha256 — comes on top).
 * Two cores: the same verifyPdu loop in two worker threads at once, summed, against one (what
 * the machine allows), and the product's own path: verifyMany (lib/federation/verify-pool.ts,
 * what verifyBatch calls) on batches of 100 PDUs of one room version, one batch at a time as
 * the ingest gives them, through the verification pool against the same calls on this thread.
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import os from "node:os";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { loadRooms, loadServerKeys, manifest, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { checkContentHash } from "@/lib/matrix/event-hashes";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { pduTexts } from "@/lib/matrix/pdu-texts";
import { redactEvent } from "@/lib/matrix/redaction";
import { getRoomVersion } from "@/lib/matrix/room-versions";
import { parseServerKeyResponse } from "@/lib/matrix/server-keys";
import { signingPayload, verifySignatureBytes } from "@/lib/matrix/signatures";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu } from "@/lib/matrix/verify-pdu";
import { createVerifyPool, verifyMany, type VerifyPool } from "@/lib/federation/verify-pool";
import { printResult } from "./lib/result";

interface Sample {
  pdu: JsonObject;
  roomVersion: string;
  text: string;
}

const rooms = loadRooms();
const samples: Sample[] = rooms.flatMap((room) =>
  room.served.map((served) => {
    const pdu = toPdu(served, room.roomVersion);
    return { pdu, roomVersion: room.roomVersion, text: JSON.stringify(pdu) };
  }),
);
const firstTs = Math.min(...samples.map((s) => s.pdu.origin_server_ts as number));
const keys = parseServerKeyResponse(loadServerKeys(), manifest.serverName, firstTs);
// Answered from memory, like a warm key cache.
const lookup: VerifyKeyLookup = async (_server, keyId) => keys.verifyKeys[keyId];

// Other processes share the machine, so each row takes the best of several short rounds.
const ROUNDS = 5;
const ROUND_MS = 300;

async function measure(name: string, batch: readonly Sample[], run: (sample: Sample) => unknown | Promise<unknown>): Promise<string[]> {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) for (const s of batch) await run(s);
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      for (const s of batch) await run(s);
      count += batch.length;
      elapsed = performance.now() - start;
    }
    best = Math.max(best, (count / elapsed) * 1000);
  }
  return [name, String(batch.length), Math.round(best).toLocaleString("en-US"), ((1000 * 1000) / best).toFixed(1)];
}

// A worker thread does not inherit tsx's loader: it registers it, then loads this file.
const WORKER_BOOT = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;

/** One worker's share of the two-core row: verifyPdu over the samples for `ms`, then the count. */
async function workerLoop(ms: number): Promise<void> {
  const batch = samples;
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) for (const s of batch) await verifyPdu(s.pdu, s.roomVersion, lookup);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (const s of batch) await verifyPdu(s.pdu, s.roomVersion, lookup);
    count += batch.length;
  }
  parentPort?.postMessage((count / (performance.now() - start)) * 1000);
}

/** PDUs/s of `n` workers verifying at once (best of three rounds of the summed rate). */
async function parallelRate(n: number): Promise<number> {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const rates = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<number>((resolve, reject) => {
            const worker = new Worker(WORKER_BOOT, { eval: true, workerData: { ms: 1000 } });
            worker.once("message", (rate: number) => resolve(rate));
            worker.once("error", reject);
          }),
      ),
    );
    best = Math.max(
      best,
      rates.reduce((a, b) => a + b, 0),
    );
  }
  return best;
}

/** PDUs/s of verifyMany over batches of 100 PDUs of one room version, one batch at a time (best of three 1 s rounds). */
async function batchRate(pool: VerifyPool | null): Promise<number> {
  const batches = [...new Set(samples.map((s) => s.roomVersion))].map((roomVersion) => {
    const group = samples.filter((s) => s.roomVersion === roomVersion);
    return { roomVersion, pdus: Array.from({ length: 100 }, (_, i) => group[i % group.length]!.pdu) };
  });
  const warmUntil = performance.now() + 500;
  while (performance.now() < warmUntil) for (const b of batches) await verifyMany(b.pdus, b.roomVersion, lookup, { pool });
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let count = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      for (const b of batches) {
        const outcomes = await verifyMany(b.pdus, b.roomVersion, lookup, { pool });
        if (outcomes.some((o) => o.status !== "accepted")) throw new Error("a recorded PDU did not verify in a batch");
        count += b.pdus.length;
      }
    }
    best = Math.max(best, (count / (performance.now() - start)) * 1000);
  }
  return best;
}

async function main(): Promise<void> {
  for (const s of samples) {
    const result = await verifyPdu(s.pdu, s.roomVersion, lookup);
    if (result.status !== "accepted") throw new Error(`fixture PDU did not verify: ${result.reason}`);
  }
  const averagePayloadBytes = Math.round(
    samples.reduce((n, s) => n + signingPayload(redactEvent(s.pdu, getRoomVersion(s.roomVersion)), getRoomVersion(s.roomVersion).canonicalJson).length, 0) /
      samples.length,
  );
  const averageBytes = Math.round(
    samples.reduce((n, s) => n + Buffer.byteLength(canonicalJson(s.pdu, getRoomVersion(s.roomVersion).canonicalJson)), 0) / samples.length,
  );
  const big: Sample[] = samples
    .filter((s) => s.pdu.type === "m.room.message" && s.roomVersion === "11")
    .slice(0, 1)
    .map((s) => {
      const pdu = { ...s.pdu, content: { msgtype: "m.text", body: "x".repeat(60_000) } };
      return { pdu, roomVersion: "11", text: JSON.stringify(pdu) };
    });

  const rows: string[][] = [["case", "PDUs", "PDUs/s", "µs/PDU"]];
  rows.push(await measure("verifyPdu, all recorded PDUs (v1–v12)", samples, (s) => verifyPdu(s.pdu, s.roomVersion, lookup)));
  for (const version of ["1", "6", "10", "11", "12"]) {
    const batch = samples.filter((s) => s.roomVersion === version);
    rows.push(await measure(`verifyPdu, room version ${version}`, batch, (s) => verifyPdu(s.pdu, s.roomVersion, lookup)));
  }
  rows.push(await measure("parseJson + verifyPdu (from wire text)", samples, (s) => verifyPdu(parseJsonObject(s.text), s.roomVersion, lookup)));
  rows.push(await measure("verifyPdu, 60 kB message (content hash mismatch → redacted)", big, (s) => verifyPdu(s.pdu, s.roomVersion, lookup)));
  rows.push(await measure("  step: parseJson", samples, (s) => parseJsonObject(s.text)));
  rows.push(await measure("  step: event ID (redact + canonical JSON + sha256)", samples, (s) => computeEventId(s.pdu, s.roomVersion)));
  rows.push(await measure("  step: content hash check", samples, (s) => checkContentHash(s.pdu, s.roomVersion)));
  rows.push(await measure("  step: verifyPdu's one encoding (size, signed bytes, hashed text)", samples, (s) => pduTexts(s.pdu, s.roomVersion)));
  rows.push(
    await measure("  step: ed25519 verify of the redacted copy", samples, (s) => {
      const version = getRoomVersion(s.roomVersion);
      const redacted = redactEvent(s.pdu, version);
      const [keyId, key] = Object.entries(keys.verifyKeys)[0] ?? [];
      const signature = ((redacted.signatures as Record<string, Record<string, string>>)[manifest.serverName] ?? {})[keyId ?? ""] ?? "";
      return verifySignatureBytes(signingPayload(redacted, version.canonicalJson), signature, key?.key ?? "");
    }),
  );

  // The bare limit: one native ed25519 verify of a message of the PDUs' average signed size.
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const message = Buffer.alloc(averagePayloadBytes, "a");
  const signature = sign(null, message, privateKey);
  const bare = await measure("  bare native ed25519 verify, same-sized message", [samples[0]!], () => verify(null, message, publicKey, signature));
  rows.push(bare);
  const oneCore = Number(rows[1]?.[2]?.replaceAll(",", ""));
  const bareRate = Number(bare[2]?.replaceAll(",", ""));
  const twoCores = os.availableParallelism() >= 2 ? await parallelRate(2) : Number.NaN;
  const oneWorker = await parallelRate(1);
  const threads = os.availableParallelism();
  const pool = threads >= 2 ? createVerifyPool(threads) : null;
  const batchInline = await batchRate(null);
  const batchPooled = pool ? await batchRate(pool) : Number.NaN;
  await pool?.destroy();

  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  console.log(`Recorded PDUs: ${samples.length} from ${manifest.synapse.name} ${manifest.synapse.version}, average ${averageBytes} bytes of canonical JSON`);
  console.log(`Node ${process.version}, one core (single-threaded loop, key lookups answered from memory)\n`);
  console.log(line(rows[0] ?? []));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows.slice(1)) console.log(line(row));
  const share = oneCore / bareRate;
  const scaling = twoCores / oneWorker;
  console.log("");
  console.log(
    `verifyPdu on one core: ${Math.round(share * 100)}% of the bare native ed25519 verify (${Math.round(oneCore).toLocaleString("en-US")} vs ${Math.round(bareRate).toLocaleString("en-US")} /s; target ≥ 85%)`,
  );
  console.log(
    `two worker threads at once: ${Math.round(twoCores).toLocaleString("en-US")} PDUs/s, ${scaling.toFixed(2)}× one worker (${Math.round(oneWorker).toLocaleString("en-US")} /s; target ≥ 1.7×); load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} on ${os.availableParallelism()} cores`,
  );
  console.log(
    `the product's pool (verifyMany, batches of 100, ${threads} threads): ${Math.round(batchPooled).toLocaleString("en-US")} PDUs/s, ${(batchPooled / batchInline).toFixed(2)}× the same batches on one core (${Math.round(batchInline).toLocaleString("en-US")} /s; target ≥ 1.7×)`,
  );
  printResult({
    name: "verify-throughput",
    rows: [
      [
        "verifyPdu, one core",
        `${Math.round(oneCore).toLocaleString("en-US")} PDUs/s`,
        `${Math.round(share * 100)}% of bare ed25519 verify (${Math.round(bareRate).toLocaleString("en-US")}/s)`,
      ],
      ["verifyPdu, two worker threads", `${Math.round(twoCores).toLocaleString("en-US")} PDUs/s`, `${scaling.toFixed(2)}× one worker`],
      [
        `verification pool (${threads} threads), batches of 100`,
        `${Math.round(batchPooled).toLocaleString("en-US")} PDUs/s`,
        `${(batchPooled / batchInline).toFixed(2)}× one core (${Math.round(batchInline).toLocaleString("en-US")}/s)`,
      ],
    ],
    notes: [
      `load ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" ")}`,
    ],
  });
}

if (isMainThread) await main();
else await workerLoop((workerData as { ms: number }).ms);
