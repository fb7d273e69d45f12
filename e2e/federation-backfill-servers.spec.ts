import { expect, test } from "@playwright/test";
import { type Testbed } from "../scripts/testbed/index";
import type { RoomReport } from "../scripts/archive/admin";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";

// One backfill, two servers at once: users of hs1 and hs2 write at the same moment, so the
// room's history forks and merges again and again (each server builds on what it has seen).
// One message at a time per user: each server then has a few forward extremities at most, so
// every message is an ancestor of the last ones (Synapse names at most 10 prev_events; more
// concurrent sends leave events no later event names, which no backfill can reach).
// The archive joins late and backfills; where the frontier names events of both branches, the
// parts go to both servers together (lib/federation/backfill-parts.ts). Every message is stored
// once, no gap is left, and both servers gave some of the history.

const PER_USER = 60;

let bed: Testbed;
let archive: RunningArchive;
useTestbed(
  { homeservers: 2, archive: { name: "archive-backfill-servers", env: () => ({ BACKFILL_SERVERS_AT_ONCE: process.env.AT_ONCE ?? "3" }) } },
  (ready) => ({ bed, archive } = ready),
);

test("a backfill asks both servers of a forked history at once and stores every message once", async () => {
  test.setTimeout(300_000);
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("expected two homeservers");
  const alice = await hs1.registerUser("alice");
  const bob = await hs2.registerUser("bob");
  const roomId = await alice.createRoom({ alias: "forked", roomVersion: "11", name: "Forked" });
  await bob.joinRoom(roomId, { via: [hs1.serverName] });
  await alice.waitForJoined(roomId, bob.userId);
  const [fromAlice, fromBob] = await Promise.all([
    alice.sendMessages(roomId, PER_USER, { concurrency: 1, prefix: "alice" }),
    bob.sendMessages(roomId, PER_USER, { concurrency: 1, prefix: "bob" }),
  ]);
  // Both servers hold the whole history before the archive asks either of them.
  await alice.waitForEvent(roomId, fromBob.at(-1)!, 60_000);
  await bob.waitForEvent(roomId, fromAlice.at(-1)!, 60_000);
  // A last message from each side merges the branches they ended on.
  const last = [await alice.sendMessage(roomId, "alice: the end"), await bob.sendMessage(roomId, "bob: the end")];
  await alice.waitForEvent(roomId, last[1]!, 60_000);

  expect((await archive.admin<{ status: string }>("join", { room: `#forked:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  // Small batches: many frontiers, so the forks show in them.
  const backfill = await archive.admin<{ finished: string; stored: number; byServer: Record<string, number> }>("backfill", { roomId, batchSize: 10 });
  console.log(`backfill: ${JSON.stringify(backfill)}`);
  expect(backfill.finished).toBe("complete");
  expect(backfill.byServer[hs1.serverName] ?? 0, "events hs1 gave").toBeGreaterThan(0);
  expect(backfill.byServer[hs2.serverName] ?? 0, "events hs2 gave").toBeGreaterThan(0);

  const report = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  const held = report.events.map((e) => e.eventId);
  expect(new Set(held).size).toBe(held.length);
  const sent = { alice: fromAlice, bob: fromBob, last };
  const missing = Object.entries(sent).flatMap(([who, ids]) => ids.filter((id) => !held.includes(id)).map((id) => `${who} ${ids.indexOf(id)}: ${id}`));
  if (missing.length > 0) {
    // What the archive knew of each: the events naming it as a prev_event, and its gaps.
    const fed = await alice.timeline(roomId, { federationFormat: true });
    const byId = new Map(fed.map((e) => [String((e as { event_id?: string }).event_id), e as unknown as { prev_events: string[]; depth: number }]));
    for (const m of missing) {
      const id = m.split(": ")[1]!;
      const refs = [...byId].filter(([, e]) => e.prev_events?.includes(id)).map(([rid]) => `${rid.slice(0, 8)} held=${held.includes(rid)}`);
      console.log(`missing ${m} depth ${byId.get(id)?.depth} referenced by ${refs.join(", ") || "nothing"}`);
    }
    console.log("gaps", JSON.stringify(report.timeline.filter((i) => i.kind === "gap")));
  }
  expect(missing, "sent messages the archive does not hold").toEqual([]);
  const items = report.timeline.filter((i) => i.kind === "event").map((i) => i.eventId);
  expect(new Set(items).size).toBe(items.length);
  expect(report.timeline.filter((i) => i.kind === "gap" && i.missingPrevEvents.length > 0)).toEqual([]);
});
