/**
 * Soak: the archive serving day pages under heavy read load while live federation traffic
 * keeps arriving, as a public deployment would see it.
 *
 *   npx tsx bench/soak.ts [--seconds 60] [--connections 64] [--send-rate 4] [--rooms 3] [--days 3] [--messages 30]
 *   npm run bench -- soak --seconds 10        # a short look
 *
 * Set-up: one Synapse of the test bed seeds `--rooms` public rooms with `--messages` messages on
 * each of the `--days` days before today (Synapse runs on those days' clocks through libfaketime
 * while it sends them); the archive (production build, embedded PGlite, behind the bed's TLS
 * front for federation) joins each room and backfills it. A hostile-server of the e2e fixtures
 * (its own signing key, published over TLS) joins the first room through Synapse, so that its
 * PDUs are authorized.
 *
 * Load, at once for `--seconds`:
 * - `wrk -t2 -c{connections}` on day pages: every seeded day of every room, and today's page of
 *   each room (which the live traffic keeps changing), in turn through a Lua script;
 * - signed `PUT /_matrix/federation/v1/send/{txnId}` transactions from that server straight to
 *   the archive at a steady `--send-rate` per second, one new message each, chained on the one
 *   before it.
 *
 * Reports: wrk's errors (non-2xx/3xx and socket errors) and p50/p99 latency of the day pages
 * (goal: p99 ≤ 200 ms), /send answers that were not 200 or named a PDU error, whether every sent
 * PDU is stored and shown (neither rejected nor soft-failed) afterwards, and the resident memory
 * of the archive's process tree at the start and end of the load. Needs `wrk`
 * (bench/install-tools.sh installs Debian's package when it is missing; that needs root or sudo).
 * The last stdout line is `BENCH_RESULT {json}` for bench/run.ts.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { startTestbed, type Testbed } from "../scripts/testbed/index";
import { archiveAdmin } from "../scripts/archive/admin";
import { ensureBuilt, freeTcpPort, ROOT, startArchiveServer, type ArchiveServer } from "../scripts/archive/server";
import { startHostileServer, type BuiltPdu, type HostileServer } from "../e2e/fixtures/hostile-server";
import { benchTeardown } from "./lib/teardown";
import { printResult } from "./lib/result";
import { int, loadLine, mib, ms, seconds } from "./lib/stats";
import { runWrk } from "./lib/wrk";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    connections: { type: "string", default: "64" },
    "send-rate": { type: "string", default: "4" },
    rooms: { type: "string", default: "3" },
    days: { type: "string", default: "3" },
    messages: { type: "string", default: "30" },
    "deadline-minutes": { type: "string", default: "30" },
  },
  allowPositionals: false,
});

function positiveInt(value: string | undefined, name: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${value}`);
  return n;
}

const SECONDS = positiveInt(args.seconds, "seconds", 3_600);
const CONNECTIONS = positiveInt(args.connections, "connections", 1_024);
const SEND_RATE = positiveInt(args["send-rate"], "send-rate", 50);
const ROOMS = positiveInt(args.rooms, "rooms", 20);
const DAYS = positiveInt(args.days, "days", 14);
const MESSAGES = positiveInt(args.messages, "messages", 2_000);
const DEADLINE_MS = positiveInt(args["deadline-minutes"], "deadline-minutes", 240) * 60_000;
const DAY_MS = 86_400_000;
const P99_GOAL_MS = 200;
const RSS_EVERY_MS = 10_000;
const signedMib = (bytes: number) => `${bytes >= 0 ? "+" : "−"}${Math.round(Math.abs(bytes) / 2 ** 20)} MiB`;

const t0 = Date.now();
const log = (line: string) => console.log(`[soak ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);

// ---------- teardown ----------

const teardown = benchTeardown("soak", DEADLINE_MS);

// ---------- helpers ----------

/** Resident memory of a process and its descendants (`next start` serves from a child). */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while listing
    }
  }
  let total = 0;
  const queue = [root];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const pid = queue[i]!;
    try {
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      // gone
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

const dayOf = (ts: number) => new Date(ts).toISOString().slice(0, 10);

function wrkAvailable(): boolean {
  return spawnSync("sh", ["-c", "command -v wrk"], { stdio: "ignore" }).status === 0;
}

// ---------- main ----------

async function main(): Promise<void> {
  log(`${loadLine()}; ${SECONDS} s, wrk ${CONNECTIONS} connections, /send ${SEND_RATE}/s, ${ROOMS} rooms × ${DAYS} days × ${MESSAGES} messages`);
  if (!wrkAvailable()) {
    const tools = spawnSync("bash", [path.join(import.meta.dirname, "install-tools.sh")], { stdio: "inherit", timeout: 15 * 60_000 });
    if (tools.status !== 0 || !wrkAvailable())
      throw new Error("the soak needs wrk, which is missing and could not be installed: run `apt-get install wrk` as root (bench/install-tools.sh)");
  }
  ensureBuilt();
  const commit = spawnSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).stdout.trim();

  const bed: Testbed = await startTestbed({ homeservers: 1, log });
  teardown.add(() => bed.stop());
  const hs = bed.homeservers[0];
  if (!hs) throw new Error("no homeserver");
  const scratch = mkdtempSync(path.join(os.tmpdir(), "bench-soak-"));
  teardown.add(() => rmSync(scratch, { recursive: true, force: true }));

  // ----- seed: each room gets messages on each of the days before today -----
  const alice = await hs.registerUser("alice");
  const rooms: Array<{ roomId: string; alias: string }> = [];
  const days: string[] = [];
  let started = Date.now();
  for (let d = DAYS; d >= 1; d--) {
    await hs.restart({ clockOffsetMs: -d * DAY_MS });
    if (rooms.length === 0) {
      for (let r = 0; r < ROOMS; r++) {
        const localpart = `soak-${r + 1}`;
        rooms.push({ roomId: await alice.createRoom({ alias: localpart, roomVersion: "11", name: `Soak ${r + 1}` }), alias: `${localpart}:${hs.serverName}` });
      }
    }
    for (const room of rooms) {
      const ids = await alice.sendMessages(room.roomId, MESSAGES, { concurrency: 4, prefix: `day -${d}` });
      const event = await alice.getEvent(room.roomId, ids.at(-1) ?? "");
      if (event && !days.includes(dayOf(event.origin_server_ts))) days.push(dayOf(event.origin_server_ts));
    }
  }
  await hs.restart();
  log(`seeded ${int(ROOMS * DAYS * MESSAGES)} messages on ${days.join(", ")} in ${seconds(Date.now() - started)}`);

  // ----- the archive joins and backfills every room -----
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-soak-data-"));
  teardown.add(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freeTcpPort();
  const front = await bed.startTlsFront({ upstreamPort: port });
  const token = randomBytes(24).toString("hex");
  const env = { ...bed.archiveEnv(front), DATA_DIR: dataDir, ARCHIVE_ADMIN_TOKEN: token, LOG_LEVEL: "warn" };
  const archive: ArchiveServer = await startArchiveServer({ port, env, logFile: path.join(scratch, "archive.log"), readyTimeoutMs: 90_000 });
  teardown.add(() => archive.stop());
  const admin = archiveAdmin(archive.url, token);
  started = Date.now();
  for (const room of rooms) {
    const joined = await admin.call<{ status: string }>("join", { room: `#${room.alias}`, backfill: 0 });
    if (joined.status !== "joined") throw new Error(`join #${room.alias}: ${JSON.stringify(joined)}`);
    await admin.call("backfill", { roomId: room.roomId, batchSize: 100 });
  }
  log(`archive joined and backfilled ${ROOMS} rooms in ${seconds(Date.now() - started)}`);

  // ----- the sender: a server of its own, a member of the first room -----
  const sender: HostileServer = await startHostileServer(bed, { localpart: "soak" });
  teardown.add(() => sender.stop());
  const liveRoom = rooms[0]!;
  const joined = await sender.join(hs.serverName, liveRoom.roomId);
  await admin.waitForEvent(liveRoom.roomId, joined.eventId, 60_000);
  const state = await alice.request<Array<{ type: string; state_key: string; event_id: string }>>(
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(liveRoom.roomId)}/state`,
  );
  const stateId = (type: string) => state.find((e) => e.type === type && e.state_key === "")?.event_id ?? "";
  const authEvents = [stateId("m.room.create"), stateId("m.room.power_levels"), joined.eventId];
  let head = { eventId: joined.eventId, depth: Number(joined.pdu.depth) };

  // One transaction before the load, so that the archive's first fetch of the sender's key and
  // the first compile of the route are not part of what is measured.
  const warmUp = sender.buildPdu({
    roomId: liveRoom.roomId,
    roomVersion: "11",
    type: "m.room.message",
    content: { msgtype: "m.text", body: "soak warm-up" },
    prevEvents: [head.eventId],
    authEvents,
    depth: head.depth + 1,
  });
  const warmAnswer = await sender.send(front.serverName, [warmUp.pdu]);
  if (warmAnswer.status !== 200 || warmAnswer.pdus[warmUp.eventId]?.error) throw new Error(`warm-up /send: ${JSON.stringify(warmAnswer.body).slice(0, 300)}`);
  head = { eventId: warmUp.eventId, depth: head.depth + 1 };

  // ----- the pages wrk reads -----
  const today = dayOf(Date.now());
  const paths = rooms.flatMap((room) => [...days, today].map((day) => `/r/${encodeURIComponent(room.alias)}/date/${day.replaceAll("-", "/")}`));
  for (const p of paths) {
    const res = await fetch(`${archive.url}${p}`, { signal: AbortSignal.timeout(120_000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${p} → ${res.status} before the load`);
  }
  log(`${paths.length} day pages answer 200; starting the load`);

  // ----- the load -----
  const rssStart = treeRss(archive.process.pid ?? 0);
  // RSS through the load, to tell a plateau (the heap and caches settling) from a leak.
  const rssSeries: number[] = [rssStart];
  const rssTimer = setInterval(() => rssSeries.push(treeRss(archive.process.pid ?? 0)), RSS_EVERY_MS);
  // As a homeserver sends: messages are made at a steady rate, and one transaction at a time
  // carries everything queued since the last one (at most 50 PDUs, the spec's bound).
  const sent: string[] = [];
  const sendFailures: string[] = [];
  const sendMs: number[] = [];
  const queue: BuiltPdu[] = [];
  let made = 0;
  let transactions = 0;
  let largest = 0;
  let producing = true;
  const producer = (async () => {
    const interval = 1000 / SEND_RATE;
    let next = performance.now();
    while (producing) {
      const built = sender.buildPdu({
        roomId: liveRoom.roomId,
        roomVersion: "11",
        type: "m.room.message",
        content: { msgtype: "m.text", body: `soak live ${++made}` },
        prevEvents: [head.eventId],
        authEvents,
        depth: head.depth + 1,
      });
      queue.push(built);
      head = { eventId: built.eventId, depth: head.depth + 1 };
      next += interval;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  const sendQueued = async () => {
    const batch = queue.splice(0, 50);
    if (batch.length === 0) return new Promise((r) => setTimeout(r, 20));
    transactions++;
    largest = Math.max(largest, batch.length);
    const begun = performance.now();
    try {
      const answer = await sender.send(
        front.serverName,
        batch.map((b) => b.pdu),
      );
      sendMs.push(performance.now() - begun);
      for (const b of batch) {
        const error = answer.pdus[b.eventId]?.error;
        if (answer.status !== 200 || error) sendFailures.push(`${answer.status} ${error ?? JSON.stringify(answer.body).slice(0, 200)}`);
        else sent.push(b.eventId);
      }
    } catch (err) {
      for (const _ of batch) sendFailures.push((err as Error).message);
    }
  };
  const senderLoop = (async () => {
    while (producing || queue.length > 0) await sendQueued();
  })();
  const wrk = await runWrk({
    urls: paths.map((p) => `${archive.url}${p}`),
    connections: CONNECTIONS,
    threads: 2,
    durationSeconds: SECONDS,
    scratchDir: scratch,
  });
  producing = false;
  await producer;
  // What was made during the load is still sent (and must be stored), however long it takes.
  await senderLoop;
  clearInterval(rssTimer);
  const rssEnd = treeRss(archive.process.pid ?? 0);
  rssSeries.push(rssEnd);
  const half = rssSeries[Math.floor(rssSeries.length / 2)]!;

  // ----- every sent PDU stored and shown -----
  const report = await admin.call<{ events: Array<{ eventId: string; rejected: boolean; softFailed: boolean }> }>(
    `room?room_id=${encodeURIComponent(liveRoom.roomId)}`,
  );
  const held = new Map(report.events.map((e) => [e.eventId, e]));
  const missing = sent.filter((id) => !held.has(id));
  const notShown = sent.filter((id) => held.get(id)?.rejected || held.get(id)?.softFailed);
  const percentile = (values: number[], p: number) => values.sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ?? Number.NaN;

  log(
    `wrk: ${int(wrk.requests)} requests, ${wrk.requestsPerSecond.toFixed(1)} req/s, p50 ${ms(wrk.latencyP50Ms)}, p99 ${ms(wrk.latencyP99Ms)}, errors ${wrk.errors}`,
  );
  log(
    `/send: ${made} PDUs made at ${SEND_RATE}/s, sent in ${transactions} transactions (at most ${largest} PDUs each); ${sendFailures.length} PDUs failed${sendFailures[0] ? ` (first: ${sendFailures[0]})` : ""}; answer p50 ${ms(percentile(sendMs, 0.5))}, p99 ${ms(percentile(sendMs, 0.99))}`,
  );
  log(`stored: ${sent.length - missing.length} of ${sent.length} accepted PDUs (${missing.length} missing, ${notShown.length} rejected or soft-failed)`);
  log(`archive RSS: ${mib(rssStart)} at the start, ${mib(half)} halfway, ${mib(rssEnd)} at the end of the load`);
  log(`archive RSS every ${RSS_EVERY_MS / 1000} s: ${rssSeries.map((b) => Math.round(b / 2 ** 20)).join(" ")} MiB`);
  const p99Note = wrk.latencyP99Ms <= P99_GOAL_MS ? `goal ≤ ${P99_GOAL_MS} ms met` : `goal ≤ ${P99_GOAL_MS} ms NOT met`;
  printResult({
    name: "soak",
    rows: [
      [
        `day pages under wrk -c${CONNECTIONS}, ${SECONDS} s`,
        `p99 ${ms(wrk.latencyP99Ms)}`,
        `${p99Note}; p50 ${ms(wrk.latencyP50Ms)}, ${wrk.requestsPerSecond.toFixed(1)} req/s`,
      ],
      ["day page errors (non-2xx/3xx, socket)", String(wrk.errors), `of ${int(wrk.requests)} requests`],
      [
        `PDUs sent over /send at ${SEND_RATE}/s`,
        `${sendFailures.length} failed`,
        `of ${made}, in ${transactions} transactions; answer p99 ${ms(percentile(sendMs, 0.99))}`,
      ],
      [
        "sent PDUs stored and shown",
        `${sent.length - missing.length - notShown.length} of ${sent.length}`,
        missing.length + notShown.length === 0 ? "all" : "SOME LOST",
      ],
      ["archive RSS, start → halfway → end of load", `${mib(rssStart)} → ${mib(half)} → ${mib(rssEnd)}`, `second half ${signedMib(rssEnd - half)}`],
    ],
    notes: [loadLine(), `commit ${commit}`],
  });
  if (wrk.errors > 0 || sendFailures.length > 0 || missing.length + notShown.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  console.error(`[soak] failed: ${(err as Error).stack ?? String(err)}`);
  process.exitCode = 1;
} finally {
  await teardown.run();
}
