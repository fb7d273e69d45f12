import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe as group, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { denyEvent } from "@/lib/timeline/deny";
import { insertEvents } from "@/lib/timeline/insert-events";
import { purgeRoomTimeline } from "@/lib/timeline/purge";
import { createRoom, describe, makeEvent, readTimeline, testRedact, type EventSpec } from "@/lib/timeline/testing/events";
import type { Arrival } from "@/lib/timeline/types";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

let roomCounter = 0;
async function room(): Promise<string> {
  const roomId = `!r${++roomCounter}:example.org`;
  await createRoom(db.prisma, roomId);
  return roomId;
}
const insert = (roomId: string, arrival: Arrival, specs: EventSpec[]) =>
  insertEvents(db.prisma, { roomId, arrival, events: specs.map((s) => makeEvent(roomId, { ...s, id: `${s.id}${roomId}` })), redact: testRedact });
const show = async (roomId: string) => describe(await readTimeline(db.prisma, roomId)).replaceAll(roomId, "");
const id = (roomId: string, e: string) => `${e}${roomId}`;

group("insertEvents", () => {
  it("appends live events in topological order and puts a gap before one whose prev_events are missing", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [
      { id: "$b", prevs: [id(r, "$a")], depth: 2 },
      { id: "$a", depth: 1 },
    ]);
    expect(await show(r)).toBe("$a $b");
    await insert(r, { kind: "live" }, [{ id: "$d", prevs: [id(r, "$c")], depth: 4 }]);
    expect(await show(r)).toBe(`$a $b [gap ${id(r, "$c")}|] $d`.replaceAll(r, ""));
  });

  it("backfills into the late end of a gap, which shrinks and then disappears", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", depth: 1 }]);
    await insert(r, { kind: "live" }, [{ id: "$d", prevs: [id(r, "$c")], depth: 4 }]);
    await insert(r, { kind: "backfill", before: id(r, "$d") }, [{ id: "$c", prevs: [id(r, "$b")], depth: 3 }]);
    expect(await show(r)).toBe("$a [gap $b|] $c $d");
    await insert(r, { kind: "backfill", before: id(r, "$c") }, [{ id: "$b", prevs: [id(r, "$a")], depth: 2 }]);
    expect(await show(r)).toBe("$a $b $c $d");
  });

  it("is idempotent", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a" }]);
    const before = await readTimeline(db.prisma, r);
    const result = await insert(r, { kind: "live" }, [{ id: "$a" }]);
    expect(result.inserted).toEqual([]);
    expect(result.duplicates).toEqual([id(r, "$a")]);
    expect(await readTimeline(db.prisma, r)).toEqual(before);
  });

  it("forwards fills at the early end of a gap and records the new edge", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", depth: 1 }]);
    await insert(r, { kind: "live" }, [{ id: "$z", prevs: [id(r, "$y")], depth: 9 }]);
    await insert(r, { kind: "forwards", after: id(r, "$a") }, [{ id: "$b", prevs: [id(r, "$a")], depth: 2 }]);
    expect(await show(r)).toBe("$a $b [gap $y|$b] $z");
  });

  it("puts a date-jump island inside the gap with gaps on both sides", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", depth: 1, ts: 1000 }]);
    await insert(r, { kind: "live" }, [{ id: "$z", prevs: [id(r, "$y")], depth: 9, ts: 9000 }]);
    await insert(r, { kind: "jump" }, [
      { id: "$m", prevs: [id(r, "$l")], depth: 5, ts: 5000 },
      { id: "$n", prevs: [id(r, "$m")], depth: 6, ts: 6000 },
    ]);
    expect(await show(r)).toBe("$a [gap $l|] $m $n [gap $y|$n] $z");
  });

  it("redacts a stored target in place and stores a late target redacted", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", depth: 1 }]);
    await insert(r, { kind: "live" }, [{ id: "$x", prevs: [id(r, "$a")], depth: 2, redacts: id(r, "$a") }]);
    await insert(r, { kind: "live" }, [{ id: "$y", prevs: [id(r, "$x")], depth: 3, redacts: id(r, "$late") }]);
    await insert(r, { kind: "backfill", before: id(r, "$a") }, [{ id: "$late", depth: 0 }]);
    const events = await db.prisma.event.findMany({ where: { roomId: r }, orderBy: { depth: "asc" } });
    const byId = new Map(events.map((e) => [e.eventId.replace(r, ""), e]));
    expect(byId.get("$a")).toMatchObject({ redacted: true, redactedBy: id(r, "$x") });
    expect(JSON.parse(byId.get("$a")!.pdu)).toMatchObject({ content: {}, redacted_for_version: "11" });
    expect(byId.get("$late")).toMatchObject({ redacted: true, redactedBy: id(r, "$y") });
    expect(byId.get("$x")!.redacted).toBe(false);
    expect(await show(r)).toBe("$late $a $x $y");
  });

  it("records what each event relates to, from the form it is stored in", async () => {
    const r = await room();
    const withContent = (spec: EventSpec, type: string, content: unknown) => {
      const e = makeEvent(r, { ...spec, id: id(r, spec.id), prevs: (spec.prevs ?? []).map((p) => id(r, p)) });
      return { ...e, type, pdu: JSON.stringify({ event_id: e.eventId, type, content }) };
    };
    const target = id(r, "$a");
    await insertEvents(db.prisma, {
      roomId: r,
      arrival: { kind: "live" },
      redact: testRedact,
      events: [
        withContent({ id: "$a", depth: 1 }, "m.room.message", { body: "hi" }),
        withContent({ id: "$edit", prevs: ["$a"], depth: 2 }, "m.room.message", { body: "* hi!", "m.relates_to": { rel_type: "m.replace", event_id: target } }),
        withContent({ id: "$like", prevs: ["$edit"], depth: 3 }, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👍" } }),
        withContent({ id: "$reply", prevs: ["$like"], depth: 4 }, "m.room.message", { body: "yo", "m.relates_to": { "m.in_reply_to": { event_id: target } } }),
        withContent({ id: "$odd", prevs: ["$reply"], depth: 5 }, "m.room.message", { body: "x", "m.relates_to": { rel_type: 7, event_id: target } }),
        withContent({ id: "$bad", prevs: ["$odd"], depth: 6 }, "m.room.message", { body: "x", "m.relates_to": { rel_type: "m.replace", event_id: 7 } }),
        // Redacted in the same batch: stored without content, so without a relation.
        withContent({ id: "$gone", prevs: ["$bad"], depth: 7 }, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👎" } }),
        { ...makeEvent(r, { id: id(r, "$redact"), prevs: [id(r, "$gone")], depth: 8, redacts: id(r, "$gone") }) },
      ],
    });
    const relations = async () =>
      (await db.prisma.event.findMany({ where: { roomId: r }, orderBy: { depth: "asc" }, select: { eventId: true, relatesTo: true, relType: true } })).map(
        (e) => [e.eventId.replace(r, ""), e.relatesTo?.replace(r, "") ?? null, e.relType],
      );
    const expected = [
      ["$a", null, null],
      ["$edit", "$a", "m.replace"],
      ["$like", "$a", "m.annotation"],
      ["$reply", null, null],
      ["$odd", "$a", null],
      ["$bad", null, null],
      ["$gone", null, null],
      ["$redact", null, null],
    ];
    expect(await relations()).toEqual(expected);
    // The migration that added the columns fills events stored before it the same way.
    await db.prisma.event.updateMany({ where: { roomId: r }, data: { relatesTo: null, relType: null } });
    const migration = readFileSync(path.resolve("prisma/migrations/20261129030000_relations/migration.sql"), "utf8");
    const fill = migration.slice(migration.indexOf("UPDATE"));
    expect(fill).toMatch(/^UPDATE "events"/);
    await db.prisma.$executeRawUnsafe(fill);
    expect(await relations()).toEqual(expected);
  });

  it("purges a room's events, gaps and denials", async () => {
    const r = await room();
    await insert(r, { kind: "live" }, [{ id: "$a", prevs: [id(r, "$missing")] }]);
    await denyEvent(db.prisma, { roomId: r, eventId: id(r, "$a"), reason: "gone" });
    expect(await purgeRoomTimeline(db.prisma, r)).toEqual({ events: 1, items: 3, media: [] });
    expect(await readTimeline(db.prisma, r)).toEqual([]);
    expect(await db.prisma.event.count({ where: { roomId: r } })).toBe(0);
  });
});
