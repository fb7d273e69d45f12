import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_QUERY_CHARS, SEARCH_PAGE_SIZE, searchArchive, snippetParts } from "@/lib/archive/search";
import { chain } from "@/lib/archive/testing/day-pages-seed";
import type { SearchPageView } from "@/lib/archive/view-types";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";

let db: TestDatabase;
const ts = (iso: string) => BigInt(Date.parse(iso));
const text = (body: string) => ({ msgtype: "m.text", body });
const hv = (id: string, at: string, v: string) => ({ id, ts: ts(at), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: v } });

async function room(roomId: string, alias: string, historyVisibility: string, status = "joined") {
  await db.prisma.room.create({
    data: { roomId, roomVersion: "11", name: alias.slice(1, alias.indexOf(":")), canonicalAlias: alias, historyVisibility, status },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await room("!open:hs.test", "#open:hs.test", "world_readable");
  await insertEvents(db.prisma, {
    roomId: "!open:hs.test",
    arrival: { kind: "live" },
    events: chain("!open:hs.test", [
      hv("$o-hv", "2026-11-10T08:00:00Z", "world_readable"),
      { id: "$o-1", ts: ts("2026-11-10T09:00:00Z"), content: text("the kettle is on") },
      hv("$o-close", "2026-11-10T10:00:00Z", "shared"),
      { id: "$o-private", ts: ts("2026-11-10T11:00:00Z"), content: text("private kettle talk") },
      hv("$o-reopen", "2026-11-10T12:00:00Z", "world_readable"),
      { id: "$o-2", ts: ts("2026-11-10T13:00:00Z"), content: text("kettle boiled") },
      ...Array.from({ length: SEARCH_PAGE_SIZE + 5 }, (_, n) => ({
        id: `$o-many-${n}`,
        ts: ts(`2026-11-11T10:${String(n).padStart(2, "0")}:00Z`),
        content: text(`teapot number ${n}`),
      })),
    ]),
    redact: testRedact,
  });
  // A message whose predecessor the archive lacks: a gap before it.
  await insertEvents(db.prisma, {
    roomId: "!open:hs.test",
    arrival: { kind: "live" },
    events: chain("!open:hs.test", [{ id: "$o-after-gap", ts: ts("2026-11-12T09:00:00Z"), prevs: ["$o-missing"], content: text("kettle again") }], 100),
    redact: testRedact,
  });
  await room("!closed:hs.test", "#closed:hs.test", "shared");
  await insertEvents(db.prisma, {
    roomId: "!closed:hs.test",
    arrival: { kind: "live" },
    events: chain("!closed:hs.test", [{ id: "$c-1", ts: ts("2026-11-10T09:00:00Z"), content: text("closed kettle") }]),
    redact: testRedact,
  });
});
afterAll(async () => db?.close());

async function view(ref: Parameters<typeof searchArchive>[1], q: string, page?: string): Promise<SearchPageView> {
  const result = await searchArchive(db.prisma, ref, { q, page });
  if (result.status !== "ok") throw new Error(`search answered ${result.status}`);
  return result.view;
}
const open = { kind: "alias", alias: "#open:hs.test" } as const;

describe("searchArchive", () => {
  it("finds a room's messages with sender, time, snippet and permalink, leaving out what was not world-readable", async () => {
    const v = await view(open, "kettle");
    expect(v.hits.map((h) => h.eventId)).toEqual(["$o-after-gap", "$o-2", "$o-1"]);
    expect(v.hits[1]).toMatchObject({
      sender: { userId: "@alice:hs.test" },
      ts: Date.parse("2026-11-10T13:00:00Z"),
      href: "/r/open%3Ahs.test/event/%24o-2",
      snippet: [
        { text: "kettle", mark: true },
        { text: " boiled", mark: false },
      ],
    });
    expect(v.gapCount).toBe(1);
  });

  it("searches every servable room from the whole-archive search, and no other", async () => {
    const v = await view(null, "kettle");
    expect(v.hits.map((h) => h.eventId)).toEqual(["$o-after-gap", "$o-2", "$o-1"]);
    expect(v.hits[0]!.room).toEqual({ name: "open", basePath: "/r/open%3Ahs.test" });
    expect(await searchArchive(db.prisma, { kind: "alias", alias: "#closed:hs.test" }, { q: "kettle" })).toEqual({ status: "forbidden" });
    expect(await searchArchive(db.prisma, { kind: "alias", alias: "#nowhere:hs.test" }, { q: "kettle" })).toEqual({ status: "not_found" });
  });

  it("pages through results, newest first, and bounds the page number", async () => {
    const first = await view(open, "teapot");
    expect(first.hits).toHaveLength(SEARCH_PAGE_SIZE);
    expect(first.hits[0]!.eventId).toBe(`$o-many-${SEARCH_PAGE_SIZE + 4}`);
    expect(first.nextPageHref).toBe("/r/open%3Ahs.test/search?q=teapot&page=2");
    expect(first.previousPageHref).toBeNull();
    const second = await view(open, "teapot", "2");
    expect(second.hits.map((h) => h.eventId)).toEqual(["$o-many-4", "$o-many-3", "$o-many-2", "$o-many-1", "$o-many-0"]);
    expect(second.nextPageHref).toBeNull();
    expect(second.previousPageHref).toBe("/r/open%3Ahs.test/search?q=teapot");
    for (const bad of ["0", "-1", "abc", "1e9", "51"]) expect((await view(open, "teapot", bad)).page).toBe(1);
  });

  it("answers bad queries with a page that says what is wrong", async () => {
    expect((await view(open, "")).problem).toBeNull();
    expect((await view(open, "")).hits).toEqual([]);
    expect((await view(open, "k".repeat(MAX_QUERY_CHARS + 1))).problem).toBe("too_long");
    expect((await view(open, "the of and")).problem).toBe("no_terms");
    expect((await view(open, '"kettle')).hits.length).toBe(3);
    // A NUL or other control character is a space, not a database error (found by e2e/hostile-requests.spec.ts).
    expect((await view(open, "kettle\u0000")).hits.length).toBe(3);
    expect((await view(open, "\u0000")).hits).toEqual([]);
  });
});

describe("snippetParts", () => {
  it("splits marks without ever producing HTML", () => {
    expect(snippetParts("a \uE000b\uE001 <i>c</i> \uE000d")).toEqual([
      { text: "a ", mark: false },
      { text: "b", mark: true },
      { text: " <i>c</i> ", mark: false },
      { text: "d", mark: true },
    ]);
    expect(snippetParts("")).toEqual([]);
  });
});
