import { expect, test, type Page } from "@playwright/test";
import type { RoomReport } from "../scripts/archive/admin";
import { MatrixApiError, type Homeserver, type MatrixUser, type Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { isSubsequence } from "./fixtures/day-reader";
import { useTestbed } from "./fixtures/testbed";

// Overruled history on real Synapse (docs/testbed.md, "contested power across a split"):
// alice (hs1, PL 100) makes bob (hs2) a moderator. A netsplit: hs2 is down and the archive's
// federation front is closed while alice demotes bob and says so; hs1 restarts (losing its queue)
// and goes down; hs2 comes back with the archive, and bob, still a moderator there, renames the
// room and kicks carol. The archive receives both live and shows the new name. hs2 restarts
// (losing its queue), then the split heals: hs1 comes back, reset_connection wakes both senders,
// a few messages follow. State resolution puts alice's demotion first: the rename and the kick
// leave the room's state, on both Synapses and in the archive. A reader of the archive still finds
// both where they saw them, marked overruled, and a denial item at the end of the timeline where
// the archive learned it; nothing they saw before moves.

const ROOM_NAME = "Council";
const BOBS_NAME = "Bob's council";
// OVERRULED_ROOM_VERSION=12 runs the story in Synapse's default version (state resolution v2.1).
const ROOM_VERSION = process.env.OVERRULED_ROOM_VERSION ?? "11";

let bed: Testbed;
let archive: RunningArchive;
useTestbed(
  {
    homeservers: 2,
    // No fill on first view: a page view must not fetch history while the story runs.
    archive: {
      name: "archive-overruled",
      env: (b) => ({ DAY_FILL_ON_VIEW: "false", FILL_MISSED_HISTORY: "false", CATCH_UP_EVERY_MINUTES: "0", DIRECTORY_SERVERS: b.homeservers[0]!.serverName }),
    },
  },
  (ready) => ({ bed, archive } = ready),
);

function utcDatePath(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10).replaceAll("-", "/");
}

/** A state event's content on a Synapse, or undefined (404) when the room has none. */
async function stateContent(user: MatrixUser, roomId: string, type: string, stateKey = ""): Promise<Record<string, unknown> | undefined> {
  return user
    .request<Record<string, unknown>>(
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`,
    )
    .catch((err: unknown) => {
      if (err instanceof MatrixApiError && err.status === 404) return undefined;
      throw err;
    });
}

interface StateEvent {
  type: string;
  state_key: string;
  event_id: string;
  content: Record<string, unknown>;
}

function fullState(user: MatrixUser, roomId: string): Promise<StateEvent[]> {
  return user.request<StateEvent[]>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`);
}

/** Reopens the archive's federation front on the same port (same server name). */
async function reopenFront(): Promise<void> {
  await bed.startTlsFront({ upstreamPort: Number(new URL(archive.url).port), port: archive.front.port });
}

async function heading(page: Page, url: string): Promise<string> {
  const response = await page.goto(url);
  expect(response?.status(), `${url} answers 200`).toBe(200);
  return (await page.locator("h1").first().textContent()) ?? "";
}

test("overruled history: bob's rename and kick, seen live, stay in place marked after the heal, with denial items where the archive learned it", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(180_000);
  const t0 = Date.now();
  const log = (line: string) => console.log(`[overruled ${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);
  const [hs1, hs2] = bed.homeservers as [Homeserver, Homeserver];
  const arch = archive;

  const [alice, bob, carol] = await Promise.all([hs1.registerUser("alice"), hs2.registerUser("bob"), hs2.registerUser("carol")]);
  const alias = `#overruled:${hs1.serverName}`;
  const roomId = await alice.createRoom({ alias: "overruled", roomVersion: ROOM_VERSION, name: ROOM_NAME });
  await Promise.all([bob.joinRoom(roomId, { via: [hs1.serverName] }), carol.joinRoom(roomId, { via: [hs1.serverName] })]);
  await Promise.all([alice.waitForJoined(roomId, bob.userId), alice.waitForJoined(roomId, carol.userId)]);
  const pl = (await stateContent(alice, roomId, "m.room.power_levels")) ?? {};
  const users = (pl.users ?? {}) as Record<string, number>;
  const promote = await alice.sendEvent(roomId, "m.room.power_levels", { ...pl, users: { ...users, [bob.userId]: 50 } }, { stateKey: "" });
  await bob.waitForEvent(roomId, promote);

  // The archive joins first, through hs1, with the little history before its join.
  expect((await arch.admin<{ status: string }>("join", { room: alias, via: [hs1.serverName], backfill: 0 })).status).toBe("joined");
  expect((await arch.admin<{ finished: string }>("backfill", { roomId })).finished).toBe("complete");
  const report = () => arch.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  const holds = async (ids: readonly string[]) => {
    const stored = new Set((await report()).events.map((e) => e.eventId));
    return ids.every((id) => stored.has(id));
  };
  // One live delivery from each server first: Synapse only catches up a destination it has
  // delivered to before.
  const fromAlice = await alice.sendMessage(roomId, "before the split, from hs1");
  const fromBob = await bob.sendMessage(roomId, "before the split, from hs2");
  await Promise.all([alice.waitForEvent(roomId, fromBob), bob.waitForEvent(roomId, fromAlice)]);
  await expect.poll(() => holds([promote, fromAlice, fromBob]), { timeout: 30_000, intervals: [250] }).toBe(true);
  log("set up; the archive holds bob's promotion and a message from each side");

  // The split. hs1's side: hs2 down, the archive unreachable; alice demotes bob.
  await Promise.all([hs2.stop(), arch.front.stop()]);
  const demote = await alice.sendEvent(roomId, "m.room.power_levels", { ...pl, users: { ...users, [bob.userId]: 0 } }, { stateKey: "" });
  const aliceSays = await alice.sendMessage(roomId, "bob is no longer a moderator");
  // hs1 loses its outgoing queue, then goes away.
  await hs1.restart();
  await hs1.stop();
  // hs2's side, with the archive: bob, a moderator as far as hs2 knows, renames and kicks.
  await Promise.all([hs2.start(), reopenFront()]);
  const rename = await bob.sendEvent(roomId, "m.room.name", { name: BOBS_NAME }, { stateKey: "" });
  // /kick answers {}: the kick's ID comes from hs2's state.
  await bob.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/kick`, { user_id: carol.userId, reason: "bob's rules" });
  const kickEvent = (await fullState(bob, roomId)).find((e) => e.type === "m.room.member" && e.state_key === carol.userId);
  expect(kickEvent?.content.membership, "hs2 applied the kick").toBe("leave");
  const kickId = kickEvent?.event_id;
  if (!kickId) throw new Error("hs2 has no membership event for carol");
  await expect
    .poll(
      async () => {
        const r = await report();
        return r.room?.name === BOBS_NAME && r.events.some((e) => e.eventId === kickId);
      },
      { timeout: 30_000, intervals: [250], message: "the archive receives bob's rename and kick live from hs2" },
    )
    .toBe(true);
  const beforeHeal = await report();
  log(`the archive shows bob's name; timeline has ${beforeHeal.timeline.length} items`);

  // 1. Before the heal: the archive and its day page show bob's name.
  expect(beforeHeal.room?.name).toBe(BOBS_NAME);
  expect(
    beforeHeal.events.some((e) => e.eventId === demote),
    "the archive has not heard of the demotion",
  ).toBe(false);
  const carolBefore = beforeHeal.currentState.find((s) => s.type === "m.room.member" && s.stateKey === carol.userId);
  expect(carolBefore?.eventId, "carol's kick is the archive's current state").toBe(kickId);
  const renameTs = (await bob.getEvent(roomId, rename))?.origin_server_ts;
  if (renameTs === undefined) throw new Error("hs2 does not know bob's rename");
  const dayUrl = `${arch.url}/r/${encodeURIComponent(alias.slice(1))}/date/${utcDatePath(renameTs)}`;
  expect(await heading(page, dayUrl), "the day page's heading before the heal").toContain(BOBS_NAME);
  await page.screenshot({ path: testInfo.outputPath("overruled-before-heal.png"), fullPage: true });
  const eventsBefore = beforeHeal.timeline.flatMap((i) => (i.kind === "event" && i.eventId ? [i.eventId] : []));
  expect(eventsBefore).toContain(rename);
  expect(eventsBefore).toContain(kickId);

  // hs2 loses its outgoing queue while still alone.
  await hs2.restart();

  // The heal: hs1 back, both senders woken (and hs1's toward the archive), until the archive
  // holds alice's demotion and the room's name is back.
  await hs1.start();
  const tHeal = Date.now();
  let nextReset = 0;
  await expect
    .poll(
      async () => {
        if (Date.now() >= nextReset) {
          await Promise.all([hs1.resetConnection(hs2.serverName), hs2.resetConnection(hs1.serverName), hs1.resetConnection(arch.serverName)]);
          nextReset = Date.now() + 3_000;
        }
        const r = await report();
        const onHs2 = await bob.getEvent(roomId, aliceSays);
        return r.events.some((e) => e.eventId === demote) && r.room?.name === ROOM_NAME && onHs2 !== undefined;
      },
      { timeout: 60_000, intervals: [500], message: "after the heal the archive holds the demotion and the room's name is back" },
    )
    .toBe(true);
  log(`healed: the archive holds the demotion ${((Date.now() - tHeal) / 1000).toFixed(1)} s after hs1 started`);
  // A few messages from both sides once healed.
  const after = [await alice.sendMessage(roomId, "after the heal, from hs1"), await bob.sendMessage(roomId, "after the heal, from hs2")];
  await Promise.all([alice.waitForEvent(roomId, after[1]!), bob.waitForEvent(roomId, after[0]!)]);
  await expect.poll(() => holds([...after, aliceSays]), { timeout: 30_000, intervals: [250] }).toBe(true);

  // 2. The archive agrees with both Synapses' resolved state.
  const [state1, state2] = await Promise.all([fullState(alice, roomId), fullState(bob, roomId)]);
  const healed = await report();
  const nameOf = (state: StateEvent[]) => state.find((e) => e.type === "m.room.name")?.content.name;
  const carolOf = (state: StateEvent[]) => state.find((e) => e.type === "m.room.member" && e.state_key === carol.userId);
  log(`names: archive ${healed.room?.name}, hs1 ${String(nameOf(state1))}, hs2 ${String(nameOf(state2))}`);
  expect(nameOf(state1), "hs1's resolved name").toBe(ROOM_NAME);
  expect(nameOf(state2), "hs2's resolved name").toBe(ROOM_NAME);
  expect(healed.room?.name).toBe(nameOf(state1));
  expect(healed.room?.name).toBe(nameOf(state2));
  expect((await stateContent(alice, roomId, "m.room.name"))?.name).toBe(healed.room?.name);
  expect(carolOf(state1)?.content.membership, "carol is joined on hs1").toBe("join");
  expect(carolOf(state2)?.content.membership, "carol is joined on hs2").toBe("join");
  const carolInArchive = healed.currentState.find((s) => s.type === "m.room.member" && s.stateKey === carol.userId);
  expect(carolInArchive?.eventId, "carol's membership in the archive is Synapse's").toBe(carolOf(state1)?.event_id);
  expect(carolInArchive?.eventId).toBe(carolOf(state2)?.event_id);
  const plInArchive = healed.currentState.find((s) => s.type === "m.room.power_levels");
  expect(plInArchive?.eventId, "the demotion holds in the archive").toBe(demote);
  expect(state1.find((e) => e.type === "m.room.power_levels")?.event_id).toBe(demote);

  const byId = new Map(healed.events.map((e) => [e.eventId, e]));
  log(`rename: ${byId.get(rename)?.overruledReason}`);
  log(`kick: ${byId.get(kickId)?.overruledReason}`);
  expect(byId.get(rename)?.overruledReason, "bob's rename is marked overruled").toBeTruthy();
  expect(byId.get(kickId)?.overruledReason, "bob's kick is marked overruled").toBeTruthy();
  expect(byId.get(rename)?.overruledReason).toContain(BOBS_NAME);
  for (const id of [rename, kickId]) {
    const e = byId.get(id);
    expect(e?.rejected || e?.softFailed || e?.deniedReason, `${id} is neither rejected, soft-failed nor withheld`).toBeFalsy();
  }
  // Nothing else was overruled or denied.
  expect(
    healed.events
      .filter((e) => e.overruledReason !== null || e.deniedReason !== null)
      .map((e) => e.eventId)
      .sort(),
  ).toEqual([rename, kickId].sort());

  // Denial items, after every event the archive held before it learned of the demotion.
  const positions = new Map<string, number>();
  healed.timeline.forEach((item, i) => {
    if (item.kind === "event" && item.eventId) positions.set(item.eventId, i);
  });
  const denials = healed.timeline.flatMap((item, i) => (item.kind === "denial" ? [i] : []));
  const labels = new Map([
    [rename, "rename"],
    [kickId, "kick"],
    [demote, "demotion"],
    [aliceSays, "alice-says"],
    [after[0]!, "after-1"],
    [after[1]!, "after-2"],
  ]);
  log(
    `timeline after the heal: ${healed.timeline.map((i) => (i.kind === "event" ? (labels.get(i.eventId ?? "") ?? (i.eventId ?? "?").slice(0, 6)) : i.kind)).join(" ")}`,
  );
  expect(denials, "two denial items: the rename and the kick").toHaveLength(2);
  const lastSeen = Math.max(...eventsBefore.map((id) => positions.get(id) ?? Infinity));
  expect(Number.isFinite(lastSeen), "every event of the timeline before the heal is still in it").toBe(true);
  for (const d of denials) expect(d, "a denial item comes after everything readers saw before the heal").toBeGreaterThan(lastSeen);
  // Every event item present before the heal keeps its relative order.
  const eventsAfter = healed.timeline.flatMap((i) => (i.kind === "event" && i.eventId ? [i.eventId] : []));
  expect(isSubsequence(eventsBefore, eventsAfter), "the timeline before the heal is a subsequence of the one after").toBe(true);
  for (const id of [demote, aliceSays, ...after]) expect(eventsAfter, `${id} is placed`).toContain(id);

  // 3. The day page, for a new reader (today's page may be cached for a minute).
  const lastTs = (await alice.getEvent(roomId, after.at(-1)!))?.origin_server_ts;
  test.skip(lastTs === undefined || utcDatePath(lastTs) !== utcDatePath(renameTs), "the story crossed midnight UTC; it must fit in one day page");
  const context = await browser.newContext();
  try {
    const reader = await context.newPage();
    const title = await heading(reader, dayUrl);
    expect(title, "the heading shows the resolved name").toContain(ROOM_NAME);
    expect(title).not.toContain(BOBS_NAME);
    const renameItem = reader.locator(`[id="${rename}"]`);
    await expect(renameItem, "the rename is still where readers saw it").toHaveCount(1);
    await expect(renameItem).toContainText(BOBS_NAME);
    const kickItem = reader.locator(`[id="${kickId}"]`);
    await expect(kickItem, "the kick is still where readers saw it").toHaveCount(1);
    await expect(kickItem).toContainText("carol");
    log(`day page, the rename: ${(await renameItem.textContent()) ?? ""}`);
    // The mark in place (since f43c153): the change's text, an "overruled" badge and the reason.
    await expect(renameItem, "the rename is marked overruled in place").toContainText("overruled");
    await expect(renameItem).toContainText(`the room's name is “${ROOM_NAME}”`);
    await expect(kickItem, "the kick is marked overruled in place").toContainText("overruled");
    // Users by display name (Synapse's default: the localpart), with the Matrix ID as the tooltip.
    await expect(kickItem).toContainText(`${carol.localpart}'s membership is join`);
    await expect(kickItem.locator(`.why span[title="${carol.userId}"]`).first()).toHaveText(carol.localpart);
    // The denial items, where the archive learned it: after everything the reader saw before.
    const denialNotes = reader.getByRole("note", { name: "Later, the archive learned" });
    await expect(denialNotes, "a denial item for the rename and one for the kick").toHaveCount(2);
    const denied = await denialNotes.evaluateAll((els) => els.map((e) => e.getAttribute("data-denied-event-id")));
    expect(denied.sort()).toEqual([rename, kickId].sort());
    const renameNote = reader.locator(`[role="note"][data-denied-event-id="${rename}"]`);
    await expect(renameNote).toContainText(`Later, the archive learned: Overruled by state resolution: ${bob.localpart} renamed the room to “${BOBS_NAME}”`);
    await expect(renameNote.locator(`span[title="${bob.userId}"]`)).toHaveText(bob.localpart);
    await expect(reader.locator(`[role="note"][data-denied-event-id="${kickId}"]`)).toContainText("Later, the archive learned:");
    // On the page, both notes come after the overruled changes (and everything else readers saw
    // before the heal): the page's items in order, a note as `denial:<event ID>`.
    const pageOrder = await reader.locator("section > ol > li").evaluateAll((lis) =>
      lis.flatMap((li) => {
        const note = li.querySelector("[data-denied-event-id]");
        if (note) return [`denial:${note.getAttribute("data-denied-event-id") ?? ""}`];
        return [...li.querySelectorAll("[id]")].map((e) => e.id);
      }),
    );
    log(
      `day page order: ${pageOrder.map((id) => (id.startsWith("denial:") ? `denial(${labels.get(id.slice(7)) ?? "?"})` : (labels.get(id) ?? id.slice(0, 6)))).join(" ")}`,
    );
    const at = (id: string) => pageOrder.indexOf(id);
    const seenOnPage = eventsBefore.filter((id) => pageOrder.includes(id));
    expect(seenOnPage, "the overruled changes are on the page").toEqual(expect.arrayContaining([rename, kickId]));
    expect(isSubsequence(seenOnPage, pageOrder), "the page keeps the order readers saw").toBe(true);
    for (const id of [rename, kickId]) {
      expect(at(`denial:${id}`), `the note for ${labels.get(id)} follows everything seen before the heal`).toBeGreaterThan(Math.max(...seenOnPage.map(at)));
    }
    await renameItem.scrollIntoViewIfNeeded();
    await reader.screenshot({ path: testInfo.outputPath("overruled-after-heal.png"), fullPage: true });
  } finally {
    await context.close();
  }

  // The denial items name exactly the rename and the kick (the report does not list what a
  // denial item is about; the store does). The archive is stopped to open its store.
  await arch.stop();
  const stored = await arch.withStore((db) =>
    db.timelineItem.findMany({ where: { roomId, kind: "denial" }, select: { deniedEventId: true, reason: true }, orderBy: { position: "asc" } }),
  );
  log(`denial items: ${JSON.stringify(stored)}`);
  expect(stored.map((d) => d.deniedEventId).sort()).toEqual([rename, kickId].sort());
  log(`whole story ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
