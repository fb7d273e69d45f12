import { expect, test } from "@playwright/test";
import { type Testbed } from "../scripts/testbed/index";
import type { RoomReport } from "../scripts/archive/admin";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";
import { recheckStoredEvents } from "./fixtures/stored-events";

// A real gap in live delivery (docs/testbed.md, the netsplit recipe): the archive is down while hs1
// sends, hs1 restarts and loses its queue, and on return catch-up delivers only the newest
// event. The archive pulls what /get_missing_events gives (10), keeps an honest gap for the
// rest, and a backfill closes it.

test.describe.configure({ mode: "serial" });

const DURING_OUTAGE = 30;

let bed: Testbed;
let archive: RunningArchive;
// The test shows the hole first; with FILL_MISSED_HISTORY on, the jobs would fill it at once
// (e2e/jobs-downtime.spec.ts checks that).
useTestbed(
  { homeservers: 1, archive: { name: "archive-catch-up", env: () => ({ FILL_MISSED_HISTORY: "false", CATCH_UP_EVERY_MINUTES: "0" }) } },
  (ready) => ({ bed, archive } = ready),
);

test("after an outage, catch-up plus /get_missing_events leaves an honest gap; a date jump lands an island in it, and backfill closes everything", async () => {
  test.setTimeout(300_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "outage", roomVersion: "11" });
  expect((await archive.admin<{ status: string }>("join", { room: `#outage:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  const report = () => archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);

  // Synapse only catches a destination up after one successful delivery.
  const marker = await alice.sendMessage(roomId, "before the outage");
  await expect.poll(async () => (await report()).events.some((e) => e.eventId === marker), { timeout: 30_000, intervals: [250] }).toBe(true);

  await archive.stop();
  const sent = await alice.sendMessages(roomId, DURING_OUTAGE, { concurrency: 1, prefix: "during outage" });
  await hs1.restart();
  await archive.start();
  const newest = sent.at(-1)!;
  await expect
    .poll(
      async () => {
        await hs1.resetConnection(archive.serverName);
        return (await report()).events.some((e) => e.eventId === newest);
      },
      { timeout: 90_000, intervals: [1_000] },
    )
    .toBe(true);

  const afterCatchUp = await report();
  const held = afterCatchUp.events.filter((e) => sent.includes(e.eventId));
  console.log(`after catch-up: ${held.length} of ${DURING_OUTAGE} (${held.filter((e) => e.source === "missing").length} via get_missing_events)`);
  expect(held.filter((e) => e.source === "missing").length).toBeGreaterThan(0);
  expect(held.length).toBeLessThan(DURING_OUTAGE);
  // The hole is shown as a gap right before the oldest event it pulled.
  const gaps = afterCatchUp.timeline.filter((i) => i.kind === "gap" && i.missingPrevEvents.length > 0);
  expect(gaps.length).toBeGreaterThan(0);

  // Jump into the hole by date: the event is fetched by ID and stored as an island between gaps.
  const target = sent[5]!;
  const targetTs = (await alice.getEvent(roomId, target))?.origin_server_ts;
  if (targetTs === undefined) throw new Error("hs1 does not know its own event");
  const jump = await archive.admin<{ eventId: string; stored: boolean } | null>("jump", { roomId, ts: targetTs, dir: "f" });
  // Messages sent in the same millisecond are equally near; any of them is a right answer.
  expect(sent.slice(0, 8)).toContain(jump?.eventId);
  expect(jump?.stored).toBe(true);
  const island = await report();
  expect(island.events.find((e) => e.eventId === jump?.eventId)?.source).toBe("jump");
  const at = island.timeline.findIndex((i) => i.eventId === jump?.eventId);
  expect(island.timeline[at - 1]?.kind).toBe("gap");
  expect(island.timeline[at + 1]?.kind).toBe("gap");

  const filled = await archive.admin<{ finished: string; stored: number }>("backfill", { roomId });
  expect(filled.finished).toBe("complete");
  const final = await report();
  const order = final.timeline
    .filter((i) => i.kind === "event")
    .map((i) => i.eventId)
    .filter((id): id is string => !!id && sent.includes(id));
  expect(order).toEqual(sent);
  expect(final.timeline.filter((i) => i.kind === "gap" && i.missingPrevEvents.length > 0)).toEqual([]);
  // The island's far side is proven contiguous once its successors are stored: no gap at all.
  expect(final.timeline.filter((i) => i.kind === "gap")).toEqual([]);

  await archive.stop();
  const check = await recheckStoredEvents(archive, bed.homeservers, roomId);
  expect(check.failures).toEqual([]);
  await archive.start();
});
