import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDayParams } from "@/lib/archive/day-range";
import { getDayPage } from "@/lib/archive/get-day-page";
import { resolvePermalink } from "@/lib/archive/resolve-permalink";
import { chain, seedDayPageRooms } from "@/lib/archive/testing/day-pages-seed";
import type { DayPageView } from "@/lib/archive/view-types";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
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
