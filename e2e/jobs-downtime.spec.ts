import { expect, test } from "@playwright/test";
import { checkHonestGaps, checkShape, checkTopology, describeTimeline, snapshot } from "../lib/timeline/testing/invariants";
import type { MatrixUser, Testbed } from "../scripts/testbed/index";
import type { CliRoom, RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// Catching up after downtime, with no one pressing a button: the archive (one process, embedded
// PGlite, role all) holds two rooms, one on each homeserver, and is stopped. While it is down the
// homeservers send 300 messages across the two rooms, then restart (so they lose what they queued
// for it, as servers give up on a destination that stays away). The archive starts again; its
// jobs alone (the catch-up at start, the backfill it queues) must bring both rooms back to
// complete, and the operator CLI's `rooms` must say so.

test.describe.configure({ mode: "serial" });

/** Sent while the archive is down: 150 in each room, half by each room's two users. */
const DOWNTIME_MESSAGES = 300;

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 2, archive: { name: "archive-downtime" } }, (ready) => ({ bed, archive } = ready));

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Room {
  roomId: string;
  alias: string;
  /** Every user of the room, the first one its creator. */
  users: MatrixUser[];
}

test("after downtime the jobs fill both rooms completely without an operator, and `archive rooms` says so", async ({}, testInfo) => {
  test.setTimeout(6 * 60_000);
  const t0 = Date.now();
  const log = (line: string) => console.log(`[${seconds(Date.now() - t0)}] ${line}`);
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("two homeservers expected");
  const [alice, bob] = await Promise.all([hs1.registerUser("alice"), hs2.registerUser("bob")]);

  const makeRoom = async (owner: MatrixUser, guest: MatrixUser, localpart: string): Promise<Room> => {
    const roomId = await owner.createRoom({ alias: localpart, roomVersion: "11", name: localpart });
    await guest.joinRoom(roomId, { via: [owner.host.serverName] });
    await owner.waitForJoined(roomId, guest.userId);
    await owner.sendMessages(roomId, 10, { concurrency: 1, prefix: `${localpart} before` });
    return { roomId, alias: `#${localpart}:${owner.host.serverName}`, users: [owner, guest] };
  };
  const rooms = await Promise.all([makeRoom(alice, bob, "north"), makeRoom(bob, alice, "south")]);

  for (const room of rooms) {
    const joined = await archive.cli(["join", room.alias]);
    log(`archive join ${room.alias}: ${joined.stdout.trim().split("\n").at(-1)}`);
  }
  // Each server delivers live to the archive once (Synapse catches up only a destination it has
  // delivered to before), and the joins' backfills finish.
  for (const room of rooms) {
    for (const user of room.users) {
      const id = await user.sendMessage(room.roomId, `${user.localpart} says hello to the archive`);
      await expect.poll(async () => (await stored(archive, room.roomId)).has(id), { timeout: 60_000, intervals: [250] }).toBe(true);
    }
  }
  await expect
    .poll(async () => (await archive.rooms()).filter((r) => rooms.some((x) => x.roomId === r.roomId) && r.openGaps === 0 && r.jobs.length === 0).length, {
      timeout: 120_000,
      intervals: [1_000],
    })
    .toBe(2);
  log("the archive holds both rooms, no gaps, no jobs pending");

  await archive.stop();
  log("the archive is down");
  const sent = new Map<string, string[]>();
  await Promise.all(
    rooms.map(async (room) => {
      const perUser = DOWNTIME_MESSAGES / rooms.length / room.users.length;
      const ids = await Promise.all(
        room.users.map((u) => u.sendMessages(room.roomId, perUser, { concurrency: 4, prefix: `${u.localpart} while the archive was down` })),
      );
      sent.set(room.roomId, ids.flat());
    }),
  );
  expect([...sent.values()].flat()).toHaveLength(DOWNTIME_MESSAGES);
  // What each server queued for the archive is lost with a restart: from now on only the
  // archive's own jobs (and Synapse's catch-up of the newest event) can bring the history back.
  await Promise.all([hs1.restart(), hs2.restart()]);
  log(`sent ${DOWNTIME_MESSAGES} messages while the archive was down; both homeservers restarted`);

  // What the homeservers hold is what the archive must end up with.
  const synapseIds = new Map<string, Set<string>>();
  for (const room of rooms)
    synapseIds.set(room.roomId, new Set((await room.users[0]!.timeline(room.roomId, { maxEvents: 2_000 })).flatMap((e) => (e.event_id ? [e.event_id] : []))));

  await archive.start();
  const restarted = Date.now();
  log("the archive is back; from here on nobody touches it");
  // Settled: the CLI lists each room joined, with every event the homeservers hold, no open gap
  // and no job pending. (No gap and no job alone could be a moment before the jobs start.)
  const summary = (listing: CliRoom[]) =>
    rooms
      .map((room) => {
        const r = listing.find((x) => x.roomId === room.roomId);
        // Events: at least what Synapse's client timeline lists (it leaves some of the room's events out).
        return {
          roomId: room.roomId,
          status: r?.status,
          enough: (r?.events ?? 0) >= synapseIds.get(room.roomId)!.size,
          openGaps: r?.openGaps,
          pendingJobs: r?.jobs.length,
        };
      })
      .sort(byRoomId);
  const settled = rooms.map((room) => ({ roomId: room.roomId, status: "joined", enough: true, openGaps: 0, pendingJobs: 0 })).sort(byRoomId);
  let last: CliRoom[] = [];
  const deadline = Date.now() + 150_000;
  for (let round = 0; round < 100 && Date.now() < deadline; round++) {
    last = await archive.rooms();
    if (JSON.stringify(summary(last)) === JSON.stringify(settled)) break;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  log(`${seconds(Date.now() - restarted)} after the restart the CLI lists ${JSON.stringify(summary(last))}`);
  expect.soft(summary(last), "archive rooms --json: both rooms complete").toEqual(settled);

  // What the store holds: every event the homeservers hold, once, in a timeline without gaps.
  await archive.stop();
  for (const room of rooms) {
    const { ids, s } = await archive.withStore(async (db) => {
      const rows = await db.event.findMany({ where: { roomId: room.roomId, rejectedReason: null }, select: { eventId: true } });
      return { ids: rows.map((r) => r.eventId), s: await snapshot(db, room.roomId) };
    });
    const missing = sent.get(room.roomId)!.filter((id) => !ids.includes(id));
    // Events no later event names (a room's forward extremities on a homeserver) are the ones a
    // backfill from the newest event cannot reach: say which of the missing ones they are.
    const extremities = new Set<string>();
    for (const hs of bed.homeservers) {
      const admin = await hs.adminUser();
      const answer = await admin.request<{ results: { event_id: string }[] }>(
        "GET",
        `/_synapse/admin/v1/rooms/${encodeURIComponent(room.roomId)}/forward_extremities`,
      );
      for (const e of answer.results) extremities.add(e.event_id);
    }
    log(
      `${room.alias}: ${missing.length} missing; the homeservers' forward extremities: ${[...extremities].map((id) => (ids.includes(id) ? "held" : "MISSING")).join(", ")}`,
    );
    expect
      .soft(
        missing.map((id) => `${id}${extremities.has(id) ? " (a forward extremity on a homeserver)" : ""}`),
        `${room.alias}: messages sent during the downtime that are missing`,
      )
      .toEqual([]);
    // Synapse's client timeline lists fewer events than the room holds; every one it lists is held.
    expect
      .soft(
        [...synapseIds.get(room.roomId)!].filter((id) => !ids.includes(id)),
        `${room.alias}: the archive holds what Synapse holds`,
      )
      .toEqual([]);
    try {
      checkShape(s);
      checkTopology(s);
      checkHonestGaps(s, new Set());
    } catch (err) {
      // The order of arrival is in the item IDs: with it a misplacement can be traced afterwards.
      await testInfo.attach(`timeline of ${room.alias}`, { body: describeTimeline(s), contentType: "text/plain" });
      throw err;
    }
    expect(s.items.filter((i) => i.kind === "gap")).toEqual([]);
    const listed = last.find((r) => r.roomId === room.roomId);
    expect.soft(listed?.events, `${room.alias}: the CLI counts the events stored`).toBe(ids.length);
  }
  await archive.start();
});

/** Event IDs the archive holds for a room, through its operator API (read only). */
async function stored(archive: RunningArchive, roomId: string): Promise<Set<string>> {
  const report = await archive.admin<{ events?: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`);
  return new Set(report.events?.map((e) => e.eventId) ?? []);
}

const byRoomId = (a: { roomId: string }, b: { roomId: string }) => a.roomId.localeCompare(b.roomId);
