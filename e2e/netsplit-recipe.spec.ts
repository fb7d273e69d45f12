import { expect, test } from "@playwright/test";
import { useTestbed } from "./fixtures/testbed";
import { type Testbed } from "../scripts/testbed/index";

// The test bed's netsplit helper leaves a real hole on the cut-off server (what the archive's gap
// handling is tested against), and the hole is real history: backfill from hs1 can close it.

let bed: Testbed;
useTestbed({ homeservers: 2 }, (ready) => ({ bed } = ready));

test("netsplit(): hs2 misses messages that hs1 has, until it backfills", async () => {
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("expected two homeservers");
  const alice = await hs1.registerUser("alice");
  const bob = await hs2.registerUser("bob");
  const roomId = await alice.createRoom({ alias: "split", roomVersion: "11" });
  await bob.joinRoom(roomId, { via: [hs1.serverName] });
  await alice.waitForJoined(roomId, bob.userId);
  const before = await alice.sendMessage(roomId, "before the split");
  await bob.waitForEvent(roomId, before);

  const t0 = Date.now();
  const split = await bed.netsplit({ a: hs1, b: hs2, sender: alice, observer: bob, roomId, count: 40 });
  console.log(
    `[netsplit] ${split.sent.length} sent on hs1, ${split.presentOnB.length} reached hs2, ${split.missingOnB.length} missing, catch-up ${split.catchUpMs} ms, reset_connection accepted ${split.resetsAccepted}x; took ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );

  // hs1 has every message; hs2 has the newest (catch-up) and a few before it, not the rest.
  for (const id of split.sent) expect(await alice.getEvent(roomId, id), `hs1 holds ${id}`).toBeDefined();
  expect(split.presentOnB).toContain(split.sent.at(-1));
  expect(split.missingOnB.length).toBeGreaterThan(0);
  // The hole is the oldest part of what was sent (B fetched backwards from the newest).
  expect(split.missingOnB).toEqual(split.sent.slice(0, split.missingOnB.length));

  // Paging back on hs2 makes Synapse backfill from hs1: the hole was real history, not lost.
  const bodies = await bob.messageBodies(roomId);
  for (let i = 1; i <= 40; i++) expect(bodies).toContain(`during netsplit ${i}`);
  for (const id of split.missingOnB) expect(await bob.getEvent(roomId, id), `hs2 backfilled ${id}`).toBeDefined();
});
