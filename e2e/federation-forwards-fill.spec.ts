import { expect, test } from "@playwright/test";
import type { Testbed } from "../scripts/testbed/index";
import type { ForwardsFillReport as FillReport } from "../lib/federation/fill-forwards";
import type { RoomReport } from "../scripts/archive/admin";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";
import { recheckStoredEvents } from "./fixtures/stored-events";

// MSC4000 forwards_fill, both ways, over real TLS federation:
// - against Synapse, the unstable endpoint answers 404 M_UNRECOGNIZED: the archive marks the
//   server unsupported and falls back to /get_missing_events, which fetches the missing events;
// - between two archive instances, the second asks the first (which holds the history): the
//   first serves the successors from its store and the second stores them verified, in order.
// Both fills close the same gap with the same events.

test.describe.configure({ mode: "serial" });

const MESSAGES = 30;

let bed: Testbed;
const testbed = useTestbed({ homeservers: 1 }, (ready) => ({ bed } = ready));

/** The event right before the first gap of a room's timeline, and the gap's missing events. */
function firstGap(report: RoomReport): { before: string; missing: string[] } {
  const index = report.timeline.findIndex((i) => i.kind === "gap");
  const before = report.timeline[index - 1]?.eventId;
  const gap = report.timeline[index];
  if (index < 1 || !before || !gap) throw new Error(`no gap after a stored event: ${JSON.stringify(report.timeline.map((i) => i.kind))}`);
  return { before, missing: gap.missingPrevEvents };
}

test("forwards_fill: Synapse is detected as unsupported and the fallback fills; another archive serves the real MSC4000 endpoint", async ({}, testInfo) => {
  test.setTimeout(600_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "forwards", roomVersion: "11", name: "Forwards" });
  const sent = await alice.sendMessages(roomId, MESSAGES, { concurrency: 1, prefix: "history" });
  const report = (a: RunningArchive) => a.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);

  // archive1 joins and backfills everything: it holds the history.
  const archive1 = await testbed.startArchive({ name: "archive-holder", logDir: testInfo.outputDir });
  expect((await archive1.admin<{ status: string }>("join", { room: `#forwards:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  expect((await archive1.admin<{ finished: string }>("backfill", { roomId })).finished).toBe("complete");
  const held = await report(archive1);
  expect(held.events.filter((e) => e.type === "m.room.message").map((e) => e.eventId)).toEqual(expect.arrayContaining(sent));

  // archive2 joins late: the messages are a gap right after the room's initial state.
  const archive2 = await testbed.startArchive({ name: "archive-fallback", logDir: testInfo.outputDir });
  expect((await archive2.admin<{ status: string }>("join", { room: `#forwards:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  const gap2 = firstGap(await report(archive2));

  const viaSynapse = await archive2.admin<FillReport>("forwards_fill", { roomId, fromEventId: gap2.before, limit: 100, servers: [hs1.serverName] });
  console.log(`against Synapse: ${JSON.stringify({ ...viaSynapse, inserted: viaSynapse.inserted.length })}`);
  expect(viaSynapse.method).toBe("get_missing_events");
  expect(viaSynapse.unsupportedServers).toEqual([hs1.serverName]);
  expect(viaSynapse.dropped).toBe(0);
  const after2 = await report(archive2);
  const messages2 = after2.timeline
    .filter((i) => i.kind === "event" && after2.events.find((e) => e.eventId === i.eventId)?.type === "m.room.message")
    .map((i) => i.eventId);
  expect(messages2).toEqual(sent);
  expect(after2.timeline.filter((i) => i.kind === "gap")).toEqual([]);

  // archive3 joins late too, and asks Synapse first (unsupported), then archive1 (supported).
  const archive3 = await testbed.startArchive({ name: "archive-msc4000", logDir: testInfo.outputDir });
  expect((await archive3.admin<{ status: string }>("join", { room: `#forwards:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  const gap3 = firstGap(await report(archive3));
  expect(gap3.before).toBe(gap2.before);

  const viaArchive = await archive3.admin<FillReport>("forwards_fill", {
    roomId,
    fromEventId: gap3.before,
    limit: 100,
    servers: [hs1.serverName, archive1.serverName],
  });
  console.log(`against archive1: ${JSON.stringify({ ...viaArchive, inserted: viaArchive.inserted.length })}`);
  expect(viaArchive.method).toBe("forwards_fill");
  expect(viaArchive.server).toBe(archive1.serverName);
  expect(viaArchive.unsupportedServers).toEqual([hs1.serverName]);
  expect(viaArchive.dropped).toBe(0);
  expect(viaArchive.received).toBeGreaterThanOrEqual(MESSAGES);
  const after3 = await report(archive3);
  const messages3 = after3.timeline
    .filter((i) => i.kind === "event" && after3.events.find((e) => e.eventId === i.eventId)?.type === "m.room.message")
    .map((i) => i.eventId);
  // Same events as the fallback found, in the same (sent) order, and the gap is closed.
  expect(messages3).toEqual(messages2);
  expect(after3.timeline.filter((i) => i.kind === "gap")).toEqual([]);
  expect(after3.events.filter((e) => sent.includes(e.eventId)).every((e) => e.source === "forwards_fill")).toBe(true);

  // archive1 served them over TLS: its access log shows the MSC4000 request from archive3's front.
  const { readFileSync } = await import("node:fs");
  const log = readFileSync(archive1.front.accessLogFile, "utf8");
  expect(log).toMatch(/GET \/_matrix\/federation\/org\.matrix\.msc4000\/forwards_fill\/[^ ]+ HTTP\/1\.1" 200/);

  // A limit is honoured and successors come oldest first.
  const limited = await archive3.admin<FillReport>("forwards_fill", { roomId, fromEventId: gap3.before, limit: 5, servers: [archive1.serverName] });
  expect(limited.method).toBe("forwards_fill");
  expect(limited.received).toBe(5);

  await archive3.stop();
  const check = await recheckStoredEvents(archive3, bed.homeservers, roomId, [archive1, archive2]);
  expect(check.failures).toEqual([]);
  expect(check.ids).toEqual(expect.arrayContaining(sent));
});
