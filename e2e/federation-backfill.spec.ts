import { expect, test } from "@playwright/test";
import { type Testbed } from "../scripts/testbed/index";
import type { RoomReport } from "../scripts/archive/admin";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";
import { recheckStoredEvents } from "./fixtures/stored-events";

// Backfill of 1,200 earlier messages from a real Synapse: the archive joins late, backfills in
// batches of 100, is killed in the middle, restarts, resumes from its gaps, and ends with every
// message stored once and re-verifiable from its store.

test.describe.configure({ mode: "serial" });

const MESSAGES = 1200;

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 1, archive: { name: "archive-backfill" } }, (ready) => ({ bed, archive } = ready));

test("backfills 1,200 earlier messages, survives a crash mid-backfill, and stores each one once, verified", async () => {
  test.setTimeout(600_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "history", roomVersion: "11", name: "History" });
  const started = Date.now();
  const sent = await alice.sendMessages(roomId, MESSAGES, { concurrency: 8, prefix: "old" });
  console.log(`sent ${MESSAGES} messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const joined = await archive.admin<{ status: string }>("join", { room: `#history:${hs1.serverName}`, backfill: 0 });
  expect(joined.status).toBe("joined");
  const report = () => archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  const storedMessages = async () => (await report()).events.filter((e) => e.type === "m.room.message").length;
  expect(await storedMessages()).toBeLessThan(MESSAGES);

  // Start a full backfill (small batches, so it takes a while) and kill the server while it runs.
  const running = archive.admin("backfill", { roomId, batchSize: 25 }).catch((err: unknown) => err);
  await expect.poll(storedMessages, { timeout: 120_000, intervals: [100] }).toBeGreaterThan(300);
  await archive.kill();
  expect(await running).toBeInstanceOf(Error);

  const interrupted = await archive.withStore((db) => db.event.count({ where: { roomId, type: "m.room.message" } }));
  console.log(`stored ${interrupted} messages before the interruption`);
  expect(interrupted).toBeGreaterThan(300);
  expect(interrupted).toBeLessThan(MESSAGES);

  await archive.start();
  const t0 = Date.now();
  const resumed = await archive.admin<{ stored: number; finished: string; requests: number; dropped: number }>("backfill", { roomId, batchSize: 100 });
  console.log(`resumed backfill: ${JSON.stringify(resumed)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  expect(resumed.finished).toBe("complete");
  expect(resumed.dropped).toBe(0);

  const final = await report();
  const ids = final.events.map((e) => e.eventId);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expect.arrayContaining(sent));
  expect(final.events.filter((e) => e.type === "m.room.message").length).toBe(MESSAGES);
  // Every stored event has exactly one timeline item, and no gap is left: history is contiguous.
  const eventItems = final.timeline.filter((i) => i.kind === "event").map((i) => i.eventId);
  expect(new Set(eventItems).size).toBe(ids.length);
  expect(final.timeline.filter((i) => i.kind === "gap" && i.missingPrevEvents.length > 0)).toEqual([]);
  // Topological order: each message comes after the ones it was built on (sent order per sender is
  // not guaranteed with concurrency, but the create event is first).
  expect(final.timeline.find((i) => i.kind === "event")?.eventId).toBe(final.events.find((e) => e.type === "m.room.create")?.eventId);

  await archive.stop();
  const check = await recheckStoredEvents(archive, bed.homeservers, roomId);
  expect(check.total).toBe(ids.length);
  expect(check.failures).toEqual([]);
  await archive.start();
});
