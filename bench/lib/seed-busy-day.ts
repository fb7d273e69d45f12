/**
 * Seeds a database with one room whose day holds 500 messages (as vs-synapse's day room), for
 * profiling day pages without Synapse:
 *
 *   tsx bench/lib/seed-busy-day.ts --pglite <dir>      # embedded PGlite (what the bench runs on)
 *   tsx bench/lib/seed-busy-day.ts --url postgres://…  # a Postgres database
 *
 * The room lists a server, so the day fill on first view runs as it does for a joined room;
 * the day is stored without gaps, so the fill never needs the network. Prints the day's path.
 */
import { openDatabase } from "@/lib/db";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";
import type { TimelineEventInput } from "@/lib/timeline/types";

const ROOM = "!benchday:hs.invalid";
const DAY = "2026-11-10";
const MESSAGES = Number(process.env.SEED_MESSAGES ?? 500);
const OTHER_DAYS = 3;

function args(): { url?: string; dataDir?: string } {
  const [flag, value] = process.argv.slice(2);
  if (flag === "--url" && value) return { url: value };
  if (flag === "--pglite" && value) return { dataDir: value };
  throw new Error("usage: seed-busy-day.ts --pglite <dir> | --url <postgres url>");
}

async function main(): Promise<void> {
  const db = openDatabase(args());
  await db.migrate();
  const prisma = db.prisma;
  await prisma.room.create({
    data: {
      roomId: ROOM,
      roomVersion: "11",
      name: "Bench day",
      canonicalAlias: "#bench-day:hs.invalid",
      historyVisibility: "world_readable",
      servers: ["hs.invalid"],
    },
  });
  let depth = 0;
  let prev: string | null = null;
  const events: TimelineEventInput[] = [];
  const add = (id: string, ts: number, type: string, content: Record<string, unknown>, stateKey: string | null = null, sender = "@alice:hs.invalid") => {
    depth++;
    events.push({
      eventId: id,
      roomId: ROOM,
      type,
      stateKey,
      sender,
      originServerTs: BigInt(ts),
      depth: BigInt(depth),
      prevEvents: prev ? [prev] : [],
      authEvents: [],
      pdu: JSON.stringify({
        auth_events: [],
        content,
        depth,
        event_id: id,
        hashes: { sha256: "x".repeat(43) },
        origin_server_ts: ts,
        prev_events: prev ? [prev] : [],
        room_id: ROOM,
        sender,
        signatures: { "hs.invalid": { "ed25519:a": "y".repeat(86) } },
        type,
        ...(stateKey !== null ? { state_key: stateKey } : {}),
      }),
      redacted: false,
      redacts: null,
    });
    prev = id;
  };
  const dayStart = Date.parse(`${DAY}T00:00:00Z`);
  const first = dayStart - OTHER_DAYS * 86_400_000 + 3_600_000;
  add("$create", first, "m.room.create", { room_version: "11", creator: "@alice:hs.invalid" }, "");
  add("$join-alice", first + 1, "m.room.member", { membership: "join", displayname: "Alice" }, "@alice:hs.invalid");
  add("$pl", first + 2, "m.room.power_levels", { users: { "@alice:hs.invalid": 100 } }, "");
  add("$jr", first + 3, "m.room.join_rules", { join_rule: "public" }, "");
  add("$hv", first + 4, "m.room.history_visibility", { history_visibility: "world_readable" }, "");
  add("$name", first + 5, "m.room.name", { name: "Bench day" }, "");
  add("$alias", first + 6, "m.room.canonical_alias", { alias: "#bench-day:hs.invalid" }, "");
  for (let d = OTHER_DAYS; d >= 1; d--)
    for (let i = 0; i < 50; i++)
      add(`$other-${d}-${i}`, dayStart - d * 86_400_000 + 7_200_000 + i * 60_000, "m.room.message", { msgtype: "m.text", body: `other ${d} ${i}` });
  // The day: spread over 20 hours, one message every ~2.4 minutes.
  for (let i = 0; i < MESSAGES; i++)
    add(`$day-${i + 1}`, dayStart + 3_600_000 + Math.floor((i * 72_000_000) / MESSAGES), "m.room.message", { msgtype: "m.text", body: `Day message ${i + 1}` });
  for (let i = 0; i < events.length; i += 200) {
    await insertEvents(prisma, { roomId: ROOM, arrival: { kind: "live" }, events: events.slice(i, i + 200), redact: testRedact });
  }
  console.log(`/r/${encodeURIComponent("bench-day:hs.invalid")}/date/${DAY.replaceAll("-", "/")}`);
  await db.close();
}

await main();
