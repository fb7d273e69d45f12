/**
 * PDU verification throughput on one core, for realistic PDUs: the events a real Synapse
 * created (lib/matrix/__fixtures__, recorded by scripts/record-pdus.ts).
 *
 *   npx tsx bench/verify-throughput.ts
 *
 * Each row verifies the same PDUs over and over (after a warm-up) and reports the best of five
 * 300 ms rounds in PDUs per second. The step rows split one verification into its parts, to show where time goes.
 */
import { loadRooms, loadServerKeys, manifest, toPdu } from "@/lib/matrix/__fixtures__/synapse-fixtures";
import { canonicalJson } from "@/lib/matrix/canonical-json";
import { checkContentHash } from "@/lib/matrix/event-hashes";
import { computeEventId } from "@/lib/matrix/event-id";
import type { JsonObject } from "@/lib/matrix/json-value";
import { parseJsonObject } from "@/lib/matrix/parse-json";
import { redactEvent } from "@/lib/matrix/redaction";
import { getRoomVersion } from "@/lib/matrix/room-versions";
import { parseServerKeyResponse } from "@/lib/matrix/server-keys";
import { signingPayload, verifySignatureBytes } from "@/lib/matrix/signatures";
import type { VerifyKeyLookup } from "@/lib/matrix/verify-keys";
import { verifyPdu } from "@/lib/matrix/verify-pdu";

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

async function main(): Promise<void> {
  for (const s of samples) {
    const result = await verifyPdu(s.pdu, s.roomVersion, lookup);
    if (result.status !== "accepted") throw new Error(`fixture PDU did not verify: ${result.reason}`);
  }
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
  rows.push(
    await measure("  step: ed25519 verify of the redacted copy", samples, (s) => {
      const version = getRoomVersion(s.roomVersion);
      const redacted = redactEvent(s.pdu, version);
      const [keyId, key] = Object.entries(keys.verifyKeys)[0] ?? [];
      const signature = ((redacted.signatures as Record<string, Record<string, string>>)[manifest.serverName] ?? {})[keyId ?? ""] ?? "";
      return verifySignatureBytes(signingPayload(redacted, version.canonicalJson), signature, key?.key ?? "");
    }),
  );

  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  console.log(`Recorded PDUs: ${samples.length} from ${manifest.synapse.name} ${manifest.synapse.version}, average ${averageBytes} bytes of canonical JSON`);
  console.log(`Node ${process.version}, one core (single-threaded loop, key lookups answered from memory)\n`);
  console.log(line(rows[0] ?? []));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows.slice(1)) console.log(line(row));
}

await main();
