import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDayParams } from "@/lib/archive/day-range";
import { getDayPage } from "@/lib/archive/get-day-page";
import { resolvePermalink } from "@/lib/archive/resolve-permalink";
import { chain, seedDayPageRooms } from "@/lib/archive/testing/day-pages-seed";
import type { DayPageView } from "@/lib/archive/view-types";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { denyEvent } from "@/lib/timeline/deny";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";

let db: TestDatabase;
const NOW = Date.parse("2026-11-29T12:00:00Z");
const ts = (iso: string) => BigInt(Date.parse(iso));
const text = (body: string) => ({ msgtype: "m.text", body });

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDayPageRooms(db.prisma);

  // A room whose history was private for a while, and an event that arrived late.
  await db.prisma.room.create({
    data: { roomId: "!vis:hs.test", roomVersion: "11", name: "Vis", canonicalAlias: "#vis:hs.test", historyVisibility: "world_readable" },
  });
  const hv = (id: string, at: string, v: string) => ({ id, ts: ts(at), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: v } });
  await insertEvents(db.prisma, {
    roomId: "!vis:hs.test",
    arrival: { kind: "live" },
    events: chain("!vis:hs.test", [
      hv("$v-open", "2026-11-10T08:00:00Z", "world_readable"),
      { id: "$v-public-1", ts: ts("2026-11-10T09:00:00Z"), content: text("public one") },
      hv("$v-close", "2026-11-10T10:00:00Z", "shared"),
      { id: "$v-private", ts: ts("2026-11-10T11:00:00Z"), content: text("private words") },
      hv("$v-reopen", "2026-11-10T12:00:00Z", "world_readable"),
      { id: "$v-public-2", ts: ts("2026-11-10T13:00:00Z"), content: text("public two") },
    ]),
    redact: testRedact,
  });
  // Sent at 12:30 on an older branch, reaching the archive after 13:00's message.
  await insertEvents(db.prisma, {
    roomId: "!vis:hs.test",
    arrival: { kind: "live" },
    events: chain("!vis:hs.test", [{ id: "$v-late", ts: ts("2026-11-10T12:30:00Z"), prevs: ["$v-reopen"], content: text("late words") }], 10),
    redact: testRedact,
  });
});
afterAll(async () => db?.close());

const DENY_DAY = "2026-11-26";
const OVERRULED = "Overruled by state resolution: @bob:hs2 renamed the room to “Bob's room”; the room's name is “Lobby”.";
/** OVERRULED as the page shows it: the user ID a part of its own (no display name here). */
const OVERRULED_PARTS = [
  { text: "Overruled by state resolution: " },
  { text: "@bob:hs2", userId: "@bob:hs2" },
  { text: " renamed the room to “Bob's room”; the room's name is “Lobby”." },
];
const FILLER = 144;

/**
 * A room where the archive later learns that a rename was overruled and a message is withheld:
 * both stay in place, and the denial items land at the end of the timeline of that moment. The
 * day has more than a page of items, so the first page ends on a denial item (cursor `d:…`).
 */
async function seedDeniedRoom() {
  const roomId = "!deny:hs.test";
  await db.prisma.room.create({ data: { roomId, roomVersion: "11", name: "Lobby", canonicalAlias: "#deny:hs.test", historyVisibility: "world_readable" } });
  const at = (hhmm: string, plusSeconds = 0) => ts(`${DENY_DAY}T${hhmm}:00Z`) + BigInt(plusSeconds * 1000);
  await insertEvents(db.prisma, {
    roomId,
    arrival: { kind: "live" },
    events: chain(roomId, [
      { id: "$dn-hv", ts: at("08:00"), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "world_readable" } },
      { id: "$dn-m1", ts: at("09:00"), content: text("before the split") },
      { id: "$dn-rename", ts: at("09:10"), type: "m.room.name", stateKey: "", sender: "@bob:hs2", content: { name: "Bob's room" } },
      { id: "$dn-bad", ts: at("09:20"), sender: "@mallory:hs.test", content: text("forged words") },
      ...Array.from({ length: FILLER }, (_, i) => ({ id: `$dn-f${i}`, ts: at("10:00", i), content: text(`filler ${i}`) })),
    ]),
    redact: testRedact,
  });
  await denyEvent(db.prisma, { roomId, eventId: "$dn-rename", reason: OVERRULED, kind: "overruled", deniedAt: at("12:00") });
  await denyEvent(db.prisma, { roomId, eventId: "$dn-bad", reason: "signature check failed", kind: "withheld", deniedAt: at("12:01") });
  await insertEvents(db.prisma, {
    roomId,
    arrival: { kind: "live" },
    events: chain(roomId, [{ id: "$dn-after", ts: at("13:00"), prevs: [`$dn-f${FILLER - 1}`], content: text("after the heal") }], FILLER + 10),
    redact: testRedact,
  });
}

async function page(alias: string, date: string, cursor: { after?: string; before?: string } = {}): Promise<DayPageView> {
  const [yyyy = "", mm = "", dd = ""] = date.split("-");
  const result = await getDayPage(
    db.prisma,
    { kind: "alias", alias },
    parseDayParams({ yyyy, mm, dd })!,
    { after: cursor.after ?? null, before: cursor.before ?? null },
    { now: NOW },
  );
  if (result.status !== "ok") throw new Error(`expected a page, got ${result.status}`);
  return result.page;
}

const ids = (p: DayPageView) => p.items.flatMap((i) => (i.kind === "message" ? [i.eventId] : []));

describe("getDayPage", () => {
  it("shows an overruled change marked with its reason, a withheld message, and the denial items where the archive learned them", async () => {
    await seedDeniedRoom();
    const first = await page("#deny:hs.test", DENY_DAY);
    const rename = first.items.find((i) => i.kind === "state" && i.eventId === "$dn-rename");
    expect(rename).toMatchObject({
      kind: "state",
      summary: "@bob:hs2 named the room “Bob's room”",
      changes: [{ eventId: "$dn-rename", text: "@bob:hs2 named the room “Bob's room”", overruled: OVERRULED_PARTS, withheld: null }],
    });
    const bad = first.items.find((i) => i.kind === "message" && i.eventId === "$dn-bad");
    expect(bad).toMatchObject({ withheld: "signature check failed", body: null });
    expect(JSON.stringify(first)).not.toContain("forged words");

    // Everything in timeline order: the changes in place, the two denial items after them, at the page's end.
    const order = (p: DayPageView) => p.items.map((i) => (i.kind === "gap" ? `gap:${i.gapId}` : `${i.kind}:${i.eventId}`));
    expect(order(first).slice(0, 4)).toEqual(["state:$dn-hv", "message:$dn-m1", "state:$dn-rename", "message:$dn-bad"]);
    expect(order(first).slice(-2)).toEqual(["denial:$dn-rename", "denial:$dn-bad"]);
    expect(first.items.slice(-2)).toEqual([
      { kind: "denial", eventId: "$dn-rename", ts: Date.parse(`${DENY_DAY}T12:00:00Z`), reason: OVERRULED_PARTS, href: "#$dn-rename" },
      { kind: "denial", eventId: "$dn-bad", ts: Date.parse(`${DENY_DAY}T12:01:00Z`), reason: [{ text: "signature check failed" }], href: "#$dn-bad" },
    ]);
    // Denial items are not messages.
    expect(first.messageCount).toBe(2 + FILLER);

    // The page ends on a denial item: the later page's cursor names it (`d:$id`), and paging
    // back gives the same page again.
    expect(first.nav.laterPageHref).toBe(`/r/deny%3Ahs.test/date/2026/11/26?after=${encodeURIComponent("d:$dn-bad")}`);
    const second = await page("#deny:hs.test", DENY_DAY, { after: "d:$dn-bad" });
    expect(order(second)).toEqual(["message:$dn-after"]);
    expect(second.nav.earlierPageHref).toBe(`/r/deny%3Ahs.test/date/2026/11/26?before=${encodeURIComponent("$dn-after")}`);
    expect(order(await page("#deny:hs.test", DENY_DAY, { before: "$dn-after" }))).toEqual(order(first));
    expect(order(await page("#deny:hs.test", DENY_DAY, { before: "d:$dn-rename" }))).toEqual(order(first).slice(0, -2));

    // A withheld message keeps its permalink: the denial items of other days link to it.
    expect(await resolvePermalink(db.prisma, { kind: "alias", alias: "#deny:hs.test" }, "$dn-bad")).toEqual({
      status: "ok",
      location: "/r/deny%3Ahs.test/date/2026/11/26#$dn-bad",
    });
    // A denial cursor naming nothing, or a malformed one, is a bad request.
    const day = parseDayParams({ yyyy: "2026", mm: "11", dd: "26" })!;
    for (const after of ["d:$dn-m1", "d:", "nonsense"]) {
      expect((await getDayPage(db.prisma, { kind: "alias", alias: "#deny:hs.test" }, day, { after, before: null }, { now: NOW })).status).toBe("bad_request");
    }
  });

  it("shows exactly one UTC day, with the gap before a day whose past is missing", async () => {
    expect(ids(await page("#history:hs.test", "2026-11-20"))).toEqual(["$d1-m1", "$d1-m2", "$d1-m3"]);
    const d4 = await page("#history:hs.test", "2026-11-23");
    expect(d4.items[0]).toMatchObject({ kind: "gap", edge: "leading" });
    expect(ids(d4)).toEqual(["$d4-m1", "$d4-m2"]);
    expect(d4.nav).toMatchObject({ previousActivityHref: "/r/history%3Ahs.test/date/2026/11/21", nextActivityHref: null, nextDay: "2026-11-24" });
  });

  it("leaves out what was sent while history was not world-readable, and refuses its permalink", async () => {
    const p = await page("#vis:hs.test", "2026-11-10");
    expect(ids(p)).toEqual(["$v-public-1", "$v-public-2", "$v-late"]);
    expect(JSON.stringify(p)).not.toContain("private words");
    expect(await resolvePermalink(db.prisma, { kind: "alias", alias: "#vis:hs.test" }, "$v-private")).toEqual({ status: "not_found" });
    expect(await resolvePermalink(db.prisma, { kind: "alias", alias: "#vis:hs.test" }, "$v-public-2")).toEqual({
      status: "ok",
      location: "/r/vis%3Ahs.test/date/2026/11/10#$v-public-2",
    });
  });

  it("notes a late arrival where it sits", async () => {
    const p = await page("#vis:hs.test", "2026-11-10");
    const late = p.items.find((i) => i.kind === "message" && i.eventId === "$v-late");
    const onTime = p.items.find((i) => i.kind === "message" && i.eventId === "$v-public-2");
    expect(late).toMatchObject({ late: true });
    expect(onTime).toMatchObject({ late: false });
  });

  it("pages a busy day with cursors that give the same pages again", async () => {
    const first = await page("#busy:hs.test", "2026-11-25");
    expect(ids(first)).toHaveLength(150);
    expect(first.nav.earlierPageHref).toBeNull();
    const second = await page("#busy:hs.test", "2026-11-25", { after: ids(first).at(-1) });
    expect(ids(second)[0]).toBe("$busy-151");
    const back = await page("#busy:hs.test", "2026-11-25", { before: ids(second)[0] });
    expect(ids(back)).toEqual(ids(first));
    expect(first.nav.hours).toHaveLength(20);
  });

  it("answers not found, forbidden and bad requests without throwing", async () => {
    const day = parseDayParams({ yyyy: "2026", mm: "11", dd: "20" })!;
    const none = { after: null, before: null };
    expect((await getDayPage(db.prisma, { kind: "alias", alias: "#nowhere:hs.test" }, day, none, { now: NOW })).status).toBe("not_found");
    expect((await getDayPage(db.prisma, { kind: "alias", alias: "#closed:hs.test" }, day, none, { now: NOW })).status).toBe("forbidden");
    expect(
      (await getDayPage(db.prisma, { kind: "alias", alias: "#history:hs.test" }, parseDayParams({ yyyy: "2026", mm: "12", dd: "01" })!, none, { now: NOW }))
        .status,
    ).toBe("bad_request");
    expect((await getDayPage(db.prisma, { kind: "alias", alias: "#history:hs.test" }, day, { after: "$unknown", before: null }, { now: NOW })).status).toBe(
      "bad_request",
    );
  });
});
