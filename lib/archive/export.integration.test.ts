import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportDay } from "@/lib/archive/export-day";
import { exportRoom } from "@/lib/archive/export-room";
import { dayExportText } from "@/lib/archive/export-text";
import { getDayPage } from "@/lib/archive/get-day-page";
import { chain, seedDayPageRooms } from "@/lib/archive/testing/day-pages-seed";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";

let db: TestDatabase;
const NOW = Date.parse("2026-11-29T12:00:00Z");
const ts = (iso: string) => BigInt(Date.parse(iso));
const history = { kind: "alias", alias: "#history:hs.test" } as const;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDayPageRooms(db.prisma);
  await db.prisma.room.create({
    data: { roomId: "!vis:hs.test", roomVersion: "11", name: "Vis", canonicalAlias: "#vis:hs.test", historyVisibility: "world_readable" },
  });
  const hv = (id: string, at: string, v: string) => ({ id, ts: ts(at), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: v } });
  await insertEvents(db.prisma, {
    roomId: "!vis:hs.test",
    arrival: { kind: "live" },
    events: chain("!vis:hs.test", [
      hv("$v-open", "2026-11-10T08:00:00Z", "world_readable"),
      { id: "$v-public", ts: ts("2026-11-10T09:00:00Z"), content: { msgtype: "m.text", body: "public words" } },
      hv("$v-close", "2026-11-10T10:00:00Z", "shared"),
      { id: "$v-private", ts: ts("2026-11-10T11:00:00Z"), content: { msgtype: "m.text", body: "private words" } },
    ]),
    redact: testRedact,
  });
});
afterAll(async () => db?.close());

async function readAll(stream: ReadableStream<Uint8Array>): Promise<unknown[]> {
  const text = await new Response(stream).text();
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as unknown);
}

describe("day exports", () => {
  it("holds the page's events in timeline order, in client format, with withheld and deleted ones in place without their content", async () => {
    const result = await exportDay(db.prisma, history, "2026-11-21", NOW);
    if (result.status !== "ok") throw new Error(result.status);
    const page = await getDayPage(db.prisma, history, { year: 2026, month: 11, day: 21, minuteOfDay: null }, { after: null, before: null }, { now: NOW });
    if (page.status !== "ok") throw new Error(page.status);
    const pageMessages = page.page.items.flatMap((i) => (i.kind === "message" ? [i.eventId] : []));
    const exported = result.export.items.flatMap((i) =>
      i.kind === "event" &&
      i.event.type === "m.room.message" &&
      (i.event.content["m.relates_to"] as { rel_type?: string } | undefined)?.rel_type !== "m.replace"
        ? [i.event.event_id]
        : [],
    );
    expect(exported).toEqual(pageMessages);
    const forged = result.export.items.find((i) => i.kind === "event" && i.event.event_id === "$d2-forged");
    expect(forged).toMatchObject({ kind: "event", withheld: "signature check failed", event: { content: {} } });
    const deleted = result.export.items.find((i) => i.kind === "event" && i.event.event_id === "$d2-m3");
    expect(deleted).toMatchObject({ redacted: true, event: { content: {} } });
    const first = result.export.items.find((i) => i.kind === "event");
    expect(first?.kind === "event" && Object.keys(first.event).sort()).toEqual(["content", "event_id", "origin_server_ts", "room_id", "sender", "type"]);
    expect(JSON.stringify(result.export)).not.toContain("forged words");
    expect(JSON.stringify(result.export)).not.toContain("something regrettable");
    expect(result.export.items.some((i) => i.kind === "gap")).toBe(true);
  });

  it("renders the same day as plain text, without deleted or withheld words", async () => {
    const result = await exportDay(db.prisma, history, "2026-11-21", NOW);
    if (result.status !== "ok") throw new Error(result.status);
    const text = dayExportText(result.export);
    expect(text.split("\n")[0]).toBe("History (#history:hs.test), 2026-11-21 (UTC)");
    expect(text).toContain("(message deleted)");
    expect(text).toContain("(withheld by the archive: signature check failed)");
    expect(text).toContain("--- messages missing here");
    expect(text).not.toContain("something regrettable");
    expect(text).not.toContain("forged words");
  });

  it("leaves out what was not world-readable, and answers unknown rooms, bad and future dates", async () => {
    const vis = await exportDay(db.prisma, { kind: "alias", alias: "#vis:hs.test" }, "2026-11-10", NOW);
    if (vis.status !== "ok") throw new Error(vis.status);
    expect(JSON.stringify(vis.export)).toContain("public words");
    expect(JSON.stringify(vis.export)).not.toContain("private words");
    expect((await exportDay(db.prisma, { kind: "alias", alias: "#nowhere:hs.test" }, "2026-11-10", NOW)).status).toBe("not_found");
    for (const bad of ["2026-02-30", "2026-13-01", "2026-11-30", "x", "2026-1-1"])
      expect((await exportDay(db.prisma, history, bad, NOW)).status).toBe("not_found");
  });
});

describe("room export", () => {
  it("streams every item of the room as NDJSON, what was not world-readable left out (the change away from it included), ending with a complete marker", async () => {
    const result = await exportRoom(db.prisma, { kind: "alias", alias: "#vis:hs.test" });
    if (result.status !== "ok") throw new Error(result.status);
    expect(result.filename).toBe("vis_hs.test.ndjson");
    const lines = (await readAll(result.stream)) as Array<{ kind: string; event?: { event_id: string } }>;
    expect(lines[0]).toMatchObject({ kind: "room", room_id: "!vis:hs.test" });
    expect(lines.at(-1)).toEqual({ kind: "end", reason: "complete" });
    expect(lines.flatMap((l) => (l.event ? [l.event.event_id] : []))).toEqual(["$v-open", "$v-public"]);
  });

  it("streams a busy room in chunks, in the order of its day exports", async () => {
    const busy = { kind: "alias", alias: "#busy:hs.test" } as const;
    const result = await exportRoom(db.prisma, busy);
    if (result.status !== "ok") throw new Error(result.status);
    const lines = (await readAll(result.stream)) as Array<{ kind: string; event?: { event_id: string; origin_server_ts: number } }>;
    const ids = lines.flatMap((l) => (l.event ? [l.event.event_id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    const days = [...new Set(lines.flatMap((l) => (l.event ? [new Date(l.event.origin_server_ts).toISOString().slice(0, 10)] : [])))];
    const fromDays: string[] = [];
    for (const day of days) {
      const d = await exportDay(db.prisma, busy, day, NOW);
      if (d.status !== "ok") throw new Error(d.status);
      fromDays.push(...d.export.items.flatMap((i) => (i.kind === "event" ? [i.event.event_id] : [])));
    }
    expect(ids).toEqual(fromDays);
    expect((await exportRoom(db.prisma, { kind: "alias", alias: "#nowhere:hs.test" })).status).toBe("not_found");
  });
});
