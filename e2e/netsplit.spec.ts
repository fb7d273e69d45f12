import { expect, test, type Page } from "@playwright/test";
import type { RoomReport } from "../scripts/archive/admin";
import { startTestbed, type Testbed } from "../scripts/testbed/index";
import { startArchive, type RunningArchive } from "./fixtures/archive";
import { isSubsequence, readDay } from "./fixtures/day-reader";

// The seed's story end to end (issue 7): a room on hs1, a user of hs2 in it, the archive joined
// through hs1. hs2 is cut off (hs1 is down, the archive's TLS front closed), its user sends 200 messages, and
// hs2 restarts, losing its outgoing queue. When everyone is back, Synapse's catch-up sends only
// the newest event and the receivers pull 10 more with /get_missing_events: the archive holds a
// real hole. 50 more messages follow from hs1. A reader sees "Messages missing here" between the
// last message before the split and the first one after it that the archive holds; the button
// fills the hole; the 200 then sit in place, in the order hs2 sent them, and everything the
// reader saw before keeps its relative order.

const DURING_SPLIT = 200;
const AFTER_SPLIT = 50;

let bed: Testbed | undefined;
let archive: RunningArchive | undefined;

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    for (const file of [...(bed?.logFiles() ?? []), archive?.logFile].filter((f): f is string => !!f)) {
      await testInfo.attach(file.split("/").slice(-2).join("-"), { path: file }).catch(() => {});
    }
  }
  await archive?.dispose().catch(() => {});
  await bed?.stop().catch(() => {});
  archive = undefined;
  bed = undefined;
});

function utcDatePath(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10).replaceAll("-", "/");
}

/**
 * Presses "Load missing messages" until no gap is left on the page. Each press waits for the fill
 * request's answer and for the page reload the button triggers; a press that leaves a gap is
 * retried (bounded: toPass's timeout and intervals). Returns the number of presses.
 */
async function fillGapsFromPage(page: Page, log: (line: string) => void): Promise<number> {
  const gaps = page.getByRole("note", { name: "Messages missing here" });
  let presses = 0;
  await expect(async () => {
    if ((await gaps.count()) === 0) return;
    presses++;
    const answer = page.waitForResponse((r) => r.url().endsWith("/api/gaps/fill") && r.request().method() === "POST", { timeout: 60_000 });
    // A fill that brought something (or closed the gap) reloads the page.
    const reloaded = page.waitForEvent("load", { timeout: 60_000 });
    reloaded.catch(() => {}); // not awaited when nothing arrived
    await gaps.first().getByRole("button", { name: "Load missing messages" }).click();
    const response = await answer;
    const text = await response.text();
    log(`press ${presses}: HTTP ${response.status()} ${text}`);
    expect(response.status(), "the fill request succeeds").toBe(200);
    const { filled, remaining } = JSON.parse(text) as { filled: number; remaining: boolean };
    if (filled > 0 || !remaining) await reloaded;
    await expect(page.getByRole("button", { name: "Loading…" })).toHaveCount(0, { timeout: 30_000 });
    expect(await gaps.count(), "no gap left on the page").toBe(0);
  }).toPass({ timeout: 150_000, intervals: [1_000, 2_000, 5_000] });
  return presses;
}

test("netsplit: the archive shows the hole where it is, and filling it puts the 200 in place without moving what a reader saw", async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(480_000);
  const log = (line: string) => console.log(`[netsplit] ${line}`);
  const t0 = Date.now();
  bed = await startTestbed({ homeservers: 2, log: (line) => console.log(`[testbed] ${line}`) });
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("expected two homeservers");
  // No fill on first view and no scheduled catch-up: the reader must see the gap before anything
  // fills it, and a catch-up at a quarter hour during the split would take in a run from its middle.
  archive = await startArchive(bed, {
    name: "archive-netsplit",
    logDir: testInfo.outputDir,
    env: { DAY_FILL_ON_VIEW: "false", FILL_MISSED_HISTORY: "false", CATCH_UP_EVERY_MINUTES: "0", DIRECTORY_SERVERS: hs1.serverName },
  });
  const arch = archive;

  const alice = await hs1.registerUser("alice");
  const bob = await hs2.registerUser("bob");
  const alias = `#netsplit:${hs1.serverName}`;
  const roomId = await alice.createRoom({ alias: "netsplit", roomVersion: "11", name: "Netsplit" });
  await bob.joinRoom(roomId, { via: [hs1.serverName] });
  await alice.waitForJoined(roomId, bob.userId);

  // The archive joins through hs1 only, and fetches the little history before its join, so the
  // only hole later is the netsplit's.
  expect((await arch.admin<{ status: string }>("join", { room: alias, via: [hs1.serverName], backfill: 0 })).status).toBe("joined");
  expect((await arch.admin<{ finished: string }>("backfill", { roomId })).finished).toBe("complete");
  const report = () => arch.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  const holds = async (ids: readonly string[]) => {
    const stored = new Set((await report()).events.map((e) => e.eventId));
    return ids.filter((id) => stored.has(id)).length;
  };

  // One live message from each server first: Synapse only catches up a destination it has
  // delivered to before, so both hs1 and hs2 must have delivered to the archive (and hs2 to hs1).
  const fromAlice = await alice.sendMessage(roomId, "before the split, from hs1");
  const fromBob = await bob.sendMessage(roomId, "before the split, from hs2");
  await alice.waitForEvent(roomId, fromBob);
  await bob.waitForEvent(roomId, fromAlice);
  await expect.poll(() => holds([fromAlice, fromBob]), { timeout: 60_000, intervals: [250] }).toBe(2);
  log(`set up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // The split: hs2 alone. hs1 is down and the archive's federation front is closed (the archive
  // itself keeps running: readers could still read it) while hs2's user sends 200 messages.
  await Promise.all([hs1.stop(), arch.front.stop()]);
  const tSend = Date.now();
  const during = await bob.sendMessages(roomId, DURING_SPLIT, { concurrency: 1, prefix: "during the split" });
  log(`hs2 sent ${during.length} while cut off in ${((Date.now() - tSend) / 1000).toFixed(1)} s`);
  // hs2 restarts while still alone: its outgoing queue is gone, it comes back in catch-up mode.
  await hs2.restart();
  await Promise.all([hs1.start(), bed.startTlsFront({ upstreamPort: Number(new URL(arch.url).port), port: arch.front.port })]);

  // Catch-up sends only the newest event; reset_connection clears hs2's backoff and wakes it.
  const newest = during.at(-1)!;
  const tBack = Date.now();
  await expect
    .poll(
      async () => {
        await Promise.all([hs2.resetConnection(hs1.serverName), hs2.resetConnection(arch.serverName)]);
        return (await holds([newest])) === 1 && (await alice.getEvent(roomId, newest)) !== undefined;
      },
      { timeout: 120_000, intervals: [1_000] },
    )
    .toBe(true);
  log(`hs1 and the archive hold hs2's newest ${((Date.now() - tBack) / 1000).toFixed(1)} s after the heal`);

  // Life goes on: 50 more from hs1. hs1 restarted too, so it is in catch-up mode toward the
  // archive: while new events keep coming, each round sends only the newest and the archive pulls
  // 10 before it, which would leave holes of its own among these 50. The first one, sent alone and
  // waited for, ends that catch-up; the other 49 are then delivered as they are sent.
  const firstAfter = await alice.sendMessage(roomId, "after the split 1");
  await expect.poll(() => holds([firstAfter]), { timeout: 60_000, intervals: [250] }).toBe(1);
  const after = [
    firstAfter,
    ...(await alice.sendMessages(
      roomId,
      Array.from({ length: AFTER_SPLIT - 1 }, (_, i) => `after the split ${i + 2}`),
      { concurrency: 1 },
    )),
  ];
  await expect.poll(() => holds(after), { timeout: 60_000, intervals: [250] }).toBe(AFTER_SPLIT);

  // The store: most of the 200 are missing, and a gap item records the hole right after the last
  // message before the split and right before the oldest message of the split the archive holds.
  const split = await report();
  const stored = new Set(split.events.map((e) => e.eventId));
  const heldDuring = during.filter((id) => stored.has(id));
  log(`archive holds ${heldDuring.length} of the ${DURING_SPLIT} sent during the split`);
  expect(heldDuring.length).toBeGreaterThan(0);
  expect(heldDuring.length).toBeLessThan(DURING_SPLIT / 2);
  // What catch-up delivered is the newest part of the split, a contiguous run.
  expect(heldDuring).toEqual(during.slice(DURING_SPLIT - heldDuring.length));
  const firstHeld = heldDuring[0]!;
  const line = split.timeline.filter((i) => i.kind === "gap" || (i.eventId !== null && [fromAlice, fromBob, ...during, ...after].includes(i.eventId)));
  const gapAt = line.findIndex((i) => i.kind === "gap");
  expect(gapAt, "the archive's timeline has a gap item").toBeGreaterThan(0);
  expect(line.filter((i) => i.kind === "gap")).toHaveLength(1);
  expect(line[gapAt - 1]?.eventId).toBe(fromBob);
  expect(line[gapAt + 1]?.eventId).toBe(firstHeld);

  // The reader's view before the fill.
  const ts = (await alice.getEvent(roomId, fromAlice))?.origin_server_ts;
  const lastTs = (await alice.getEvent(roomId, after.at(-1)!))?.origin_server_ts;
  if (ts === undefined || lastTs === undefined) throw new Error("hs1 does not know its own events");
  test.skip(utcDatePath(ts) !== utcDatePath(lastTs), "the story crossed midnight UTC; it must fit in one day page");
  const dayUrl = `${arch.url}/r/${encodeURIComponent(alias.slice(1))}/date/${utcDatePath(ts)}`;
  const before = await readDay(page, dayUrl);
  log(`before the fill: ${before.messages.length} messages on ${before.pages.length} page(s), gaps ${JSON.stringify(before.gaps)}`);
  expect(before.gaps).toHaveLength(1);
  const gapIndex = before.items.findIndex((i) => typeof i !== "string");
  expect(before.items[gapIndex - 1], "the gap follows the last message before the split").toBe(fromBob);
  expect(before.items[gapIndex + 1], "the gap precedes the first message of the split the archive holds").toBe(firstHeld);
  expect(before.messages).toEqual([fromAlice, fromBob, ...heldDuring, ...after]);
  await page.goto(dayUrl);
  const gapNote = page.getByRole("note", { name: "Messages missing here" });
  await expect(gapNote).toHaveCount(1);
  await expect(gapNote).toBeVisible();
  await expect(gapNote.getByRole("button", { name: "Load missing messages" })).toBeEnabled();
  await gapNote.scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("netsplit-before-fill.png"), fullPage: true });

  // The fill, as a reader does it.
  const tFill = Date.now();
  const presses = await fillGapsFromPage(page, log);
  log(`filled with ${presses} press(es) in ${((Date.now() - tFill) / 1000).toFixed(1)} s`);
  await expect(gapNote).toHaveCount(0);
  await page.locator(`[id="${during[0]}"]`).scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath("netsplit-after-fill.png"), fullPage: true });
  // The reader's own page, reloaded by the button: the first of the 200 right after the last
  // message before the split, the rest following in order as far as this page goes.
  const refreshed = await page.locator("section article").evaluateAll((els) => els.map((e) => e.id));
  expect(refreshed.slice(0, 2 + DURING_SPLIT)).toEqual([fromAlice, fromBob, ...during].slice(0, refreshed.length));

  // Every page of the day, read by a new reader: the day page is cacheable (max-age=60 for today),
  // so this browser would be shown its cached copy from before the fill on a plain reload.
  const context = await browser.newContext();
  const afterFill = await readDay(await context.newPage(), dayUrl).finally(() => context.close());
  log(`after the fill: ${afterFill.messages.length} messages on ${afterFill.pages.length} page(s), gaps ${JSON.stringify(afterFill.gaps)}`);
  expect(afterFill.gaps).toEqual([]);
  // The 200 are in place, in the order hs2 sent them: after the last message before the split,
  // before the 50 that followed.
  expect(afterFill.messages).toEqual([fromAlice, fromBob, ...during, ...after]);
  // Every message the reader saw before keeps its relative order.
  expect(isSubsequence(before.messages, afterFill.messages), "the page before the fill is a subsequence of the page after").toBe(true);
  // And the text is what each server sent, in that order.
  const expectedText = [
    "before the split, from hs1",
    "before the split, from hs2",
    ...during.map((_, i) => `during the split ${i + 1}`),
    ...after.map((_, i) => `after the split ${i + 1}`),
  ];
  expect(afterFill.messages.map((id) => afterFill.texts[id])).toEqual(expectedText);
  log(`whole story ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
