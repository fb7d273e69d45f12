/**
 * What authorization costs per event, with no network: real signed PDUs of one room (built by
 * lib/ingest/testing/room-builder.ts: a public room, 20 members, a few state changes, then
 * messages), and
 *
 *   npx tsx bench/authorize.ts [--events 5000] [--batch 100]
 *
 * 1. the authorization rules alone (checkAuthRules of a message against its auth events and
 *    against the state before it: the two checks every event gets), best of five rounds;
 * 2. state resolution of two forks that disagree on power levels and the name (one resolution);
 * 3. the whole ingest pipeline on embedded PGlite (in memory): the join, then the history as
 *    /backfill gives it (newest batch first), every PDU verified, authorized, stored and
 *    linearized; the deferred state checks run when the history reaches the room's creation.
 *    Reported as events per second, and the rules' microseconds within each event's.
 */
import { parseArgs } from "node:util";
import { openDatabase } from "@/lib/db";
import { ingestPdus } from "@/lib/ingest/pipeline";
import { joinArchive } from "@/lib/ingest/testing/join-archive";
import { RoomBuilder } from "@/lib/ingest/testing/room-builder";
import { toAuthEvent } from "@/lib/ingest/known-events";
import { authEventTypes } from "@/lib/matrix/auth/auth-events";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import { stateKeyOf, type AuthEvent } from "@/lib/matrix/auth/types";
import { resolveState } from "@/lib/matrix/state-res/resolve";
import { printResult } from "./lib/result";
import { formatTable, int, loadLine } from "./lib/stats";

const { values: args } = parseArgs({
  options: { events: { type: "string", default: "5000" }, batch: { type: "string", default: "100" } },
  allowPositionals: false,
});
const EVENTS = Number(args.events);
const BATCH = Number(args.batch);

const ALICE = "@alice:hs1.test";
const room = new RoomBuilder("11", ["hs1.test", "hs2.test", "localhost"]);
room.create(ALICE);
room.join(ALICE);
const pl = room.state("m.room.power_levels", "", { users: { [ALICE]: 100 } }, ALICE);
room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
room.state("m.room.name", "", { name: "Bench" }, ALICE);
const members = Array.from({ length: 20 }, (_, i) => `@user${i}:hs${(i % 2) + 1}.test`);
for (const m of members) room.join(m);
const setup = [...room.pdus.keys()];
const messages: string[] = [];
for (let i = 0; i < EVENTS; i++) messages.push(room.message(members[i % members.length]!, `message ${i}`));
const stateBefore = room.stateIds();
const join = room.join("@archive:localhost");

const byId = new Map<string, AuthEvent>([...room.pdus].map(([id, pdu]) => [id, toAuthEvent(id, pdu, room.version)]));

function bestRate(run: () => number): number {
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 300) n += run();
    best = Math.max(best, n / ((performance.now() - start) / 1000));
  }
  return best;
}

// 1. The rules alone: a message against its auth events, and against the state before it.
const sample = messages.slice(0, 200).map((id) => byId.get(id)!);
const stateMap = new Map([...room.current].map(([k, id]) => [k, id]));
const authState = (event: AuthEvent) => {
  const out = new Map<string, AuthEvent>();
  for (const key of authEventTypes(event, room.version)) {
    const id = stateMap.get(key);
    if (id) out.set(key, byId.get(id)!);
  }
  return out;
};
const checksPerSecond = bestRate(() => {
  for (const e of sample) {
    const a = checkAuthRules(e, authState(e), room.version);
    const b = checkAuthRules(e, authState(e), room.version);
    if (!a.allowed || !b.allowed) throw new Error("a bench message was refused");
  }
  return sample.length;
});

// 2. One resolution of two forks that disagree on power levels and the name.
const fork = room.currentTips();
const forkA = room.event({ type: "m.room.name", stateKey: "", sender: ALICE, content: { name: "A" }, prevEvents: fork, advance: false });
const forkB = room.event({
  type: "m.room.power_levels",
  stateKey: "",
  sender: ALICE,
  content: { users: { [ALICE]: 100, [members[0]!]: 50 } },
  prevEvents: fork,
  authEvents: room.authIdsAt(ALICE, pl),
  advance: false,
});
for (const id of [forkA, forkB]) byId.set(id, toAuthEvent(id, room.pdu(id), room.version));
const setA = new Map(stateMap).set(stateKeyOf("m.room.name", ""), forkA);
const setB = new Map(stateMap).set(stateKeyOf("m.room.power_levels", ""), forkB);
const resolutionsPerSecond = bestRate(() => {
  resolveState({ roomVersion: room.version, stateSets: [setA, setB], getEvent: (id) => byId.get(id), checkAuth: checkAuthRules, authEventTypes });
  return 1;
});

// 3. The pipeline on PGlite.
const database = openDatabase({ dataDir: "memory://" });
await database.migrate();
const db = database.prisma;
await room.trustKeys(db);
const joinStart = performance.now();
await joinArchive(db, room, { eventId: join, stateBefore, events: setup });
const joinMs = performance.now() - joinStart;
const history = [...messages].reverse();
let before = join;
let stored = 0;
let deniedLater = 0;
const start = performance.now();
for (let i = 0; i < history.length; i += BATCH) {
  const batch = history.slice(i, i + BATCH);
  const report = await ingestPdus(
    { roomId: room.roomId, pdus: room.pduList(batch), source: "backfill", arrival: { kind: "backfill", before }, skipCountLimits: true },
    db,
  );
  stored += report.inserted.length;
  if (process.env.BENCH_VERBOSE)
    console.log(`batch ${i / BATCH}: ${(performance.now() - start).toFixed(0)} ms cumulative, denied ${report.deniedLater.length}`);
  deniedLater += report.deniedLater.length;
  before = batch[batch.length - 1]!;
}
const seconds = (performance.now() - start) / 1000;
const known = await db.event.count({ where: { roomId: room.roomId, stateGroup: { not: null } } });
await database.close();
if (stored !== EVENTS) throw new Error(`stored ${stored} of ${EVENTS} events`);

const rows: Array<[string, string, string]> = [
  ["auth rules, one core", `${int(checksPerSecond)} events/s`, `${(1e6 / checksPerSecond).toFixed(1)} µs per event (auth events + state before)`],
  ["state resolution of two forks", `${int(resolutionsPerSecond)} /s`, "power levels and name in conflict, 20 members"],
  [
    "ingest pipeline on PGlite, authorization on",
    `${int(EVENTS / seconds)} events/s`,
    `${int(EVENTS)} messages in batches of ${BATCH}; join ${joinMs.toFixed(0)} ms`,
  ],
  [
    "authorization rules within the pipeline",
    `${(1e6 / checksPerSecond).toFixed(1)} of ${((1e6 * seconds) / EVENTS).toFixed(0)} µs/event`,
    "the rules' share; the rest: verification, loading auth events and state groups, SQL, linearizing",
  ],
  ["events with their state known after the pass", `${int(known)}`, `denied once known: ${deniedLater}`],
];
console.log(formatTable([["", "figure", "note"], ...rows]));
console.log(loadLine());
printResult({ name: "authorize", rows, notes: [loadLine()] });
