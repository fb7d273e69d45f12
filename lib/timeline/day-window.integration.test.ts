import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { denyEvent, findDayWithEvents, getDayWindow, insertEvents, listDayGaps, listGaps, type DayItem } from "@/lib/timeline";
import { renumberAround } from "@/lib/timeline/renumber";
import { createRoom, makeEvent, testRedact, type EventSpec } from "@/lib/timeline/testing/events";
import type { Arrival } from "@/lib/timeline/types";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const DAY1 = Date.parse("2024-03-15T00:00:00Z");
const H = 3_600_000;
let n = 0;
async function room(): Promise<string> {
  const roomId = `!day${++n}:example.org`;
  await createRoom(db.prisma, roomId);
  return roomId;
}
// Event IDs are global: each room suffixes its own, and the assertions strip the suffix.
const tag = (roomId: string, id: string) => `${id}~${roomId}`;
const strip = (id: string | null) => (id ?? "").replace(/~.*$/, "");
const insert = (roomId: string, arrival: Arrival, specs: EventSpec[]) =>
  insertEvents(db.prisma, {
    roomId,
    arrival: arrival.kind === "backfill" ? { ...arrival, before: tag(roomId, arrival.before) } : arrival,
    events: specs.map((s) => makeEvent(roomId, { ...s, id: tag(roomId, s.id), prevs: (s.prevs ?? []).map((p) => tag(roomId, p)) })),
    redact: testRedact,
  });
const label = (i: DayItem) => (i.kind === "event" ? strip(i.eventId) : i.kind === "gap" ? "gap" : `denied:${strip(i.deniedEventId)}`);

describe("day windows", () => {
  it("shows a day's events in timeline order with gaps between and at the edges", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$y1", depth: 1, ts: DAY1 - 2 * H }]);
    // The day starts after a gap: $a's prev is missing.
    await insert(r, { kind: "live" }, [
      { id: "$a", prevs: ["$x"], depth: 3, ts: DAY1 + H },
      { id: "$b", prevs: ["$a"], depth: 4, ts: DAY1 + 2 * H },
    ]);
    await insert(r, { kind: "live" }, [{ id: "$c", prevs: ["$m"], depth: 6, ts: DAY1 + 3 * H }]);
    await insert(r, { kind: "live" }, [{ id: "$t1", prevs: ["$c"], depth: 7, ts: DAY1 + 25 * H }]);
    const page = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15" });
    expect(page.items.map(label)).toEqual(["gap", "$a", "$b", "gap", "$c"]);
    expect(page.prevCursor).toBeNull();
    expect(page.nextCursor).toBeNull();
    expect((await listDayGaps(db.prisma, r, "2024-03-15")).map((g) => g.missingPrevEvents.map(strip))).toEqual([["$x"], ["$m"]]);
    expect((await listGaps(db.prisma, r)).map((g) => [strip(g.eventBefore), strip(g.eventAfter)])).toEqual([
      ["$y1", "$a"],
      ["$b", "$c"],
    ]);
    expect(await findDayWithEvents(db.prisma, r, "2024-03-10", "at-or-after")).toBe("2024-03-14");
    expect(await findDayWithEvents(db.prisma, r, "2024-03-20", "at-or-before")).toBe("2024-03-16");
    expect(await findDayWithEvents(db.prisma, r, "2024-03-17", "at-or-after")).toBeNull();
    expect(await findDayWithEvents(db.prisma, r, "2024-03-15", "at-or-after", ["m.room.member"])).toBeNull();
  });

  it("paginates a busy day with event cursors that survive renumbering and late arrivals", async () => {
    const r = await room();
    const specs: EventSpec[] = Array.from({ length: 30 }, (_, i) => ({
      id: `$e${String(i).padStart(2, "0")}`,
      prevs: i === 0 ? ["$missing"] : [`$e${String(i - 1).padStart(2, "0")}`],
      depth: i + 10,
      ts: DAY1 + i * 60_000,
    }));
    await insert(r, { kind: "live" }, specs);
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 8, after: cursor });
      pages.push(page.items.map(label));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(pages.flat()).toEqual(["gap", ...specs.map((s) => s.id)]);
    expect(pages).toHaveLength(4);
    const second = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 8, after: `e:${tag(r, "$e07")}` });
    // A long backfill walks into the gap before the day, batch after batch: positions there
    // are renumbered, the pages are not.
    const old = (k: number) => (k === 0 ? "$missing" : `$old${String(k).padStart(4, "0")}`);
    for (let b = 0; b < 40; b++) {
      const batch = Array.from({ length: 25 }, (_, i) => {
        const k = b * 25 + i;
        return { id: old(k), prevs: [old(k + 1)], depth: 9, ts: DAY1 - 10 * H - k };
      });
      await insert(r, { kind: "backfill", before: b === 0 ? "$e00" : old(b * 25 - 1) }, batch);
    }
    // And a renumbering right inside the day.
    const positions = async () => (await db.prisma.timelineItem.findMany({ where: { roomId: r }, orderBy: { position: "asc" } })).map((i) => i.position);
    const beforeRenumber = await positions();
    const at = async (e: string) => (await db.prisma.timelineItem.findUniqueOrThrow({ where: { eventId: tag(r, e) } })).position;
    const [p5, p6] = [await at("$e05"), await at("$e06")];
    await db.prisma.$transaction((tx) => renumberAround(tx, r, p5, p6, 5000));
    expect(await positions()).not.toEqual(beforeRenumber);
    expect(await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 8, after: `e:${tag(r, "$e07")}` })).toEqual(second);
    const back = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 8, before: second.prevCursor! });
    expect(back.items.map(label)).toEqual(["$e00", "$e01", "$e02", "$e03", "$e04", "$e05", "$e06", "$e07"]);
    const atTime = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 3, at: "T00:10" });
    expect(atTime.items.map(label)).toEqual(["$e10", "$e11", "$e12"]);
    expect(atTime.prevCursor).toBe(`e:${tag(r, "$e10")}`);
  });

  it("flags a late event where it sits and shows a denial in the history", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", depth: 1, ts: DAY1 + 5 * H }]);
    await insert(r, { kind: "live" }, [{ id: "$late", prevs: ["$a"], depth: 2, ts: DAY1 + H }]);
    await denyEvent(db.prisma, { roomId: r, eventId: tag(r, "$a"), reason: "auth rules", deniedAt: BigInt(DAY1 + 6 * H) });
    expect(await denyEvent(db.prisma, { roomId: r, eventId: tag(r, "$a"), reason: "again" })).toEqual({ denied: false });
    const page = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15" });
    expect(page.items.map(label)).toEqual(["$a", "$late", "denied:$a"]);
    const [a, late] = page.items;
    expect(a).toMatchObject({ kind: "event", deniedReason: "auth rules", late: false });
    expect(late).toMatchObject({ kind: "event", late: true });
    // Readers show the denied event in place; the denial record neither shows nor pages.
    const reader = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", denials: false });
    expect(reader.items.map(label)).toEqual(["$a", "$late"]);
    const one = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", limit: 2, after: `e:${tag(r, "$a")}`, denials: false });
    expect(one.items.map(label)).toEqual(["$late"]);
    expect(one.nextCursor).toBeNull();
  });

  it("flags every event of a run that arrived behind newer ones, not only the first", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$new", depth: 1, ts: DAY1 + 5 * H }]);
    await insert(r, { kind: "live" }, [
      { id: "$old1", prevs: ["$new"], depth: 2, ts: DAY1 + H },
      { id: "$old2", prevs: ["$old1"], depth: 3, ts: DAY1 + H + 60_000 },
      { id: "$after", prevs: ["$old2"], depth: 4, ts: DAY1 + 5 * H - 60_000 },
    ]);
    const page = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15" });
    expect(page.items.flatMap((i) => (i.kind === "event" && i.late ? [strip(i.eventId)] : []))).toEqual(["$old1", "$old2"]);
    // The newest event before the page counts too.
    const rest = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", after: `e:${tag(r, "$new")}` });
    expect(rest.items.map((i) => i.kind === "event" && i.late)).toEqual([true, true, false]);
  });

  it("gives gaps the times around them, shows the gap an empty day falls in, and no earlier page after another day's cursor", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$before", depth: 1, ts: DAY1 - 30 * H }]);
    await insert(r, { kind: "live" }, [
      { id: "$a", prevs: ["$x"], depth: 5, ts: DAY1 + 2 * H },
      { id: "$b", prevs: ["$a"], depth: 6, ts: DAY1 + 3 * H },
    ]);
    const page = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15" });
    expect(page.items[0]).toMatchObject({ kind: "gap", sinceTs: DAY1 - 30 * H, untilTs: DAY1 + 2 * H });
    // 2024-03-14 has nothing stored but lies inside the gap: the page shows that gap.
    const empty = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-14" });
    expect(empty.items).toEqual([page.items[0]]);
    // The day of $before is not inside the gap, and the days after the room's last event are quiet.
    expect((await getDayWindow(db.prisma, { roomId: r, day: "2024-03-13" })).items.map(label)).toEqual(["$before", "gap"]);
    expect((await getDayWindow(db.prisma, { roomId: r, day: "2024-03-16" })).items).toEqual([]);
    const fromOtherDay = await getDayWindow(db.prisma, { roomId: r, day: "2024-03-15", after: `e:${tag(r, "$before")}` });
    expect(fromOtherDay.items.map(label)).toEqual(["gap", "$a", "$b"]);
    expect(fromOtherDay.prevCursor).toBeNull();
  });
});
