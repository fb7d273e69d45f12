import { expect, test } from "@playwright/test";
import { chain } from "../lib/archive/testing/day-pages-seed";
import { createTestDatabase, type PostgresTestDatabase } from "../lib/testing/database";
import { denyEvent } from "../lib/timeline/deny";
import { insertEvents } from "../lib/timeline/insert-events";
import { noteRoomChanged } from "../lib/timeline/page-changes";
import { purgeRoomTimeline } from "../lib/timeline/purge";
import { withRoomLock } from "../lib/timeline/room-lock";
import { testRedact } from "../lib/timeline/testing/events";
import { startArchiveServer, type ArchiveServer } from "../scripts/archive/server";

// The page cache (docs/page-cache.md) with two web instances on one Postgres server: a page is
// rendered once and then answered from the cache by the front server's fast path
// (x-archive-cache: hit, without Next.js), a write through the timeline's write path changes it
// on the very next request through either instance (rendered again by Next.js), and a write that
// does not concern it leaves it cached. Writes go through lib/timeline on the same database, as
// the ingest pipeline makes them.

const ROOM = "!cache:hs.test";
const DAY1 = "2026-11-20";
const DAY2 = "2026-11-21";
const at = (day: string, hhmm: string) => BigInt(Date.parse(`${day}T${hhmm}:00Z`));
const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: "m.text", body, ...extra });

let db: PostgresTestDatabase;
let a: ArchiveServer;
let b: ArchiveServer;
let depth = 100;
let env: Record<string, string>;

async function send(specs: Parameters<typeof chain>[1], arrival: Parameters<typeof insertEvents>[1]["arrival"] = { kind: "live" }) {
  const events = chain(ROOM, specs, depth);
  depth += specs.length;
  await insertEvents(db.prisma, { roomId: ROOM, arrival, events, redact: testRedact });
}

test.beforeAll(async ({}, testInfo) => {
  test.setTimeout(600_000);
  db = await createTestDatabase("postgres");
  await db.prisma.room.create({
    data: { roomId: ROOM, roomVersion: "11", name: "Cache", canonicalAlias: "#cache:hs.test", historyVisibility: "world_readable" },
  });
  await insertEvents(db.prisma, {
    roomId: ROOM,
    arrival: { kind: "live" },
    events: chain(ROOM, [
      { id: "$c1", ts: at(DAY1, "10:00"), content: text("day one first") },
      { id: "$c2", ts: at(DAY1, "11:00"), content: text("day one second") },
      { id: "$c3", ts: at(DAY2, "09:00"), content: text("day two reply", { "m.relates_to": { "m.in_reply_to": { event_id: "$c2" } } }) },
      { id: "$c4", ts: at(DAY2, "10:00"), content: text("day two plain") },
    ]),
    redact: testRedact,
  });
  env = { DATABASE_URL: db.url, LOG_LEVEL: "warn", ARCHIVE_BASE_URL: "https://archive.test", DAY_FILL_ON_VIEW: "false" };
  // a and b keep pages in memory only, so that each of their answers says which tier gave it;
  // the database tier has a test of its own.
  a = await startArchiveServer({ env: { ...env, PAGE_CACHE_DISK_MB: "0" }, logFile: testInfo.outputPath("a.log") });
  b = await startArchiveServer({ env: { ...env, PAGE_CACHE_DISK_MB: "0" }, logFile: testInfo.outputPath("b.log") });
});

test.afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await db?.close();
});

const path = (day: string) => `/r/cache%3Ahs.test/date/${day.replaceAll("-", "/")}`;

/** Who answered: the front server from the page cache, Next.js from it, or a render. */
function servedBy(headers: Headers): "fast path" | "next cache" | "render" {
  if (headers.get("x-archive-cache") === "hit") return "fast path";
  return headers.get("x-nextjs-cache") === "HIT" ? "next cache" : "render";
}

async function get(server: ArchiveServer, day: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path(day)}`, { headers });
  return { status: res.status, cache: servedBy(res.headers), etag: res.headers.get("etag"), headers: res.headers, body: await res.text() };
}

/** Both instances answer the day from their cache through the fast path (rendering it first if needed). */
async function warm(day: string) {
  for (const s of [a, b]) {
    await get(s, day);
    expect((await get(s, day)).cache, `${day} cached`).toBe("fast path");
  }
}

test("a past day rendered before a restart is answered after it without rendering, until a write changes it", async ({}, testInfo) => {
  test.setTimeout(300_000);
  let c = await startArchiveServer({ env, logFile: testInfo.outputPath("c.log") });
  try {
    const rendered = await get(c, DAY1);
    expect(rendered.cache).toBe("render");
    const key = { path: `/r/cache:hs.test/date/${DAY1.replaceAll("-", "/")}` };
    await expect.poll(() => db.prisma.pageCachePage.count({ where: key }), { timeout: 10_000 }).toBe(1);
    await c.stop();
    c = await startArchiveServer({ env, logFile: testInfo.outputPath("c-restarted.log") });
    const after = await get(c, DAY1);
    expect(after.cache, "read back from the database by the fast path").toBe("fast path");
    expect(after.body).toBe(rendered.body);
    expect(after.etag).toBe(rendered.etag);
    // A write while it is up, or while it was down, reaches it on its next request.
    await send([{ id: "$c1b", ts: at(DAY1, "12:00"), content: text("day one, later"), prevs: ["$c2"] }]);
    expect(await db.prisma.pageCachePage.count({ where: key }), "the write deleted the kept page").toBe(0);
    const changed = await get(c, DAY1);
    expect(changed.cache).toBe("render");
    expect(changed.body).toContain("day one, later");
  } finally {
    await c.stop();
  }
});

test("today's page after new messages: the next request renders it, concurrent ones get the old render meanwhile", async () => {
  test.setTimeout(120_000);
  const today = new Date().toISOString().slice(0, 10);
  await send([{ id: "$t1", ts: BigInt(Date.now()), content: text("today, first"), prevs: ["$c4"] }]);
  await get(a, today);
  const cached = await get(a, today);
  expect(cached.cache).toBe("fast path");
  expect(cached.body).toContain("today, first");
  await send([{ id: "$t2", ts: BigInt(Date.now()), content: text("today, second"), prevs: ["$t1"] }]);
  const next = await get(a, today);
  expect(next.cache, "the next request renders, as after any change").toBe("render");
  expect(next.body).toContain("today, second");
  // Readers arriving together while the page renders again: each gets the new page, or the old
  // one from the fast path marked stale; none waits for a render it did not ask for and none fails.
  await send([{ id: "$t3", ts: BigInt(Date.now()), content: text("today, third"), prevs: ["$t2"] }]);
  const together = await Promise.all(Array.from({ length: 8 }, () => get(a, today)));
  for (const answer of together) {
    expect(answer.status).toBe(200);
    const stale = answer.headers.get("x-archive-cache") === "stale";
    expect(answer.body.includes("today, third"), `stale: ${stale}`).toBe(!stale);
    if (stale) expect(answer.body).toContain("today, second");
  }
  const after = await get(a, today);
  expect(after.cache).toBe("fast path");
  expect(after.body).toContain("today, third");
  // A redaction is hard: the very next request, and every concurrent one, is rendered anew.
  await send([{ id: "$t4", ts: BigInt(Date.now()), type: "m.room.redaction", redacts: "$t3", content: { redacts: "$t3" }, prevs: ["$t3"] }]);
  const redacted = await Promise.all(Array.from({ length: 4 }, () => get(a, today)));
  for (const answer of redacted) {
    expect(answer.headers.get("x-archive-cache")).not.toBe("stale");
    expect(answer.body).not.toContain("today, third");
  }
});

test("a cached day page changes on the next request after each kind of write, on both instances, and not otherwise", async () => {
  test.setTimeout(300_000);
  const rendered = await get(a, DAY1);
  expect(rendered.cache).toBe("render");
  await warm(DAY1);
  await warm(DAY2);
  const first = await get(a, DAY1);
  expect(first.cache).toBe("fast path");
  expect(first.body).toBe(rendered.body);
  expect(first.body).toContain("day one second");
  // Headers for shared caches and browsers, the same as Next.js gave the render.
  for (const name of ["cache-tag", "surrogate-key", "cache-control", "content-type", "vary", "etag"]) {
    expect(first.headers.get(name), name).toBe(rendered.headers.get(name));
  }
  expect(first.headers.get("cache-tag")).toBe(`room/r/cache%3Ahs.test,day/r/cache%3Ahs.test/${DAY1}`);
  expect(first.headers.get("cache-control")).toContain("s-maxage=3600");
  expect(first.etag).toMatch(/^"[0-9a-z]+"$/);
  const lastModified = first.headers.get("last-modified");
  expect(Date.parse(lastModified ?? "")).toBeLessThanOrEqual(Date.now());
  const conditionals: Record<string, string>[] = [{ "if-none-match": first.etag! }, { "if-modified-since": lastModified! }];
  for (const conditional of conditionals) {
    const again = await fetch(`${a.url}${path(DAY1)}`, { headers: conditional });
    expect(again.status, JSON.stringify(conditional)).toBe(304);
    expect(again.headers.get("etag")).toBe(first.etag);
    expect(await again.text()).toBe("");
  }
  expect((await fetch(`${a.url}${path(DAY1)}`, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
  // Next.js's own path (a query the fast path leaves to it) has the same ETag and answers 304 too.
  const viaNext = await fetch(`${a.url}${path(DAY1)}?via=next`);
  expect(servedBy(viaNext.headers)).toBe("next cache");
  expect(viaNext.headers.get("etag")).toBe(first.etag);
  expect((await fetch(`${a.url}${path(DAY1)}?via=next`, { headers: { "if-none-match": first.etag! } })).status).toBe(304);
  // Other variants of the page are Next.js's: the RSC payload of a client navigation, a prefetch.
  const variants: Record<string, string>[] = [{ rsc: "1" }, { rsc: "1", "next-router-prefetch": "1" }];
  for (const variant of variants) {
    const other = await get(a, DAY1, variant);
    expect(other.cache, JSON.stringify(variant)).not.toBe("fast path");
    expect(other.headers.get("content-type")).toContain("text/x-component");
  }
  const head = await fetch(`${a.url}${path(DAY1)}`, { method: "HEAD" });
  expect(servedBy(head.headers)).toBe("fast path");
  expect(head.headers.get("etag")).toBe(first.etag);

  // A live message on day two (already active): day two changes, day one stays cached.
  await send([{ id: "$c5", ts: at(DAY2, "12:00"), content: text("late news"), prevs: ["$c4"] }]);
  for (const s of [b, a]) {
    const two = await get(s, DAY2);
    expect(two.cache).toBe("render");
    expect(two.body).toContain("late news");
    expect((await get(s, DAY1)).cache).toBe("fast path");
  }

  // A gap (a live event whose prev event is missing), then the fill that closes it.
  await send([{ id: "$c8", ts: at(DAY2, "13:00"), content: text("after a hole"), prevs: ["$c7"] }]);
  await warm(DAY2);
  expect((await get(a, DAY2)).body).toContain("Messages missing here");
  await insertEvents(db.prisma, {
    roomId: ROOM,
    arrival: { kind: "backfill", before: "$c8" },
    events: chain(ROOM, [{ id: "$c7", ts: at(DAY2, "12:45"), content: text("the hole, filled"), prevs: ["$c5"] }], 50),
    redact: testRedact,
  });
  for (const s of [b, a]) {
    const two = await get(s, DAY2);
    expect(two.cache).toBe("render");
    expect(two.body).toContain("the hole, filled");
    expect(two.body).not.toContain("Messages missing here");
  }

  // A redaction of a day-one message: day one and the day-two page quoting it change.
  await warm(DAY2);
  await send([{ id: "$c6", ts: at(DAY2, "13:30"), type: "m.room.redaction", redacts: "$c2", content: { redacts: "$c2" }, prevs: ["$c8"] }]);
  for (const s of [a, b]) {
    const one = await get(s, DAY1);
    expect(one.cache).toBe("render");
    expect(one.body).not.toContain("day one second");
    expect(one.body).toContain("Message deleted");
    const two = await get(s, DAY2);
    expect(two.cache).toBe("render");
    expect(two.body).not.toContain("day one second");
  }

  // A late event (backfilled before day one's first message): the whole room may change.
  await warm(DAY1);
  await warm(DAY2);
  await insertEvents(db.prisma, {
    roomId: ROOM,
    arrival: { kind: "backfill", before: "$c1" },
    events: chain(ROOM, [{ id: "$c0", ts: at(DAY1, "09:00"), content: text("arrived from the past") }], 1),
    redact: testRedact,
  });
  for (const s of [b, a]) {
    const one = await get(s, DAY1);
    expect(one.cache).toBe("render");
    expect(one.body).toContain("arrived from the past");
  }

  // A denial: the event is withheld in place.
  await warm(DAY1);
  await denyEvent(db.prisma, { roomId: ROOM, eventId: "$c1", reason: "signature check failed" });
  for (const s of [a, b]) {
    const one = await get(s, DAY1);
    expect(one.cache).toBe("render");
    expect(one.body).toMatch(/Withheld by the archive: (<!-- -->)?signature check failed/);
  }

  // A rename: the header of every page changes (the ingest pipeline updates the room row and
  // reports it in the same transaction).
  await warm(DAY1);
  await warm(DAY2);
  await withRoomLock(db.prisma, ROOM, async (tx) => {
    await tx.room.update({ where: { roomId: ROOM }, data: { name: "Renamed room" } });
    await noteRoomChanged(tx, ROOM);
  });
  for (const s of [b, a]) {
    for (const day of [DAY1, DAY2]) {
      const page = await get(s, day);
      expect(page.cache).toBe("render");
      expect(page.body).toContain("Renamed room");
    }
  }

  // A purge: not one more request gets the old content.
  await warm(DAY1);
  await withRoomLock(db.prisma, ROOM, async (tx) => {
    await tx.room.update({ where: { roomId: ROOM }, data: { status: "purged", historyVisibility: "shared" } });
    await noteRoomChanged(tx, ROOM);
  });
  await purgeRoomTimeline(db.prisma, ROOM);
  for (const s of [a, b]) {
    const one = await get(s, DAY1);
    expect(one.status).toBe(403);
    expect(one.body).not.toContain("arrived from the past");
  }
  expect(await db.prisma.pageCachePage.count(), "no page of the purged room is kept in the database").toBe(0);
});
