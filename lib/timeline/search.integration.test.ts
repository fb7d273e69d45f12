import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { denyEvent } from "@/lib/timeline/deny";
import { insertEvents } from "@/lib/timeline/insert-events";
import { purgeRoomTimeline } from "@/lib/timeline/purge";
import { countGaps, searchMessageRows, SNIPPET_MARK_END, SNIPPET_MARK_START } from "@/lib/timeline/search";
import { createRoom, makeEvent, testRedact } from "@/lib/timeline/testing/events";
import type { TimelineEventInput } from "@/lib/timeline/types";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

let roomCounter = 0;
async function room(): Promise<string> {
  const roomId = `!search${++roomCounter}:example.org`;
  await createRoom(db.prisma, roomId);
  return roomId;
}

let depth = 0;
function message(roomId: string, id: string, content: Record<string, unknown>, extra: Partial<TimelineEventInput> = {}): TimelineEventInput {
  depth++;
  return {
    ...makeEvent(roomId, { id, depth, ts: 1_700_000_000_000 + depth * 1000 }),
    pdu: JSON.stringify({ event_id: id, type: "m.room.message", content }),
    ...extra,
  };
}
const text = (body: string) => ({ msgtype: "m.text", body });
const live = (roomId: string, events: TimelineEventInput[]) => insertEvents(db.prisma, { roomId, arrival: { kind: "live" }, events, redact: testRedact });
async function found(roomIds: string[], query: string): Promise<string[]> {
  const result = await searchMessageRows(db.prisma, { roomIds, query, limit: 50, offset: 0 });
  if (result.status !== "ok") throw new Error(`search answered ${result.status}`);
  return result.hits.map((h) => h.messageId);
}

describe("full-text search rows, kept by the write path", () => {
  it("finds messages by stemmed words, newest first, with the matched words marked in the snippet", async () => {
    const r = await room();
    await live(r, [
      message(r, "$a", text("We are deploying the new release today")),
      message(r, "$b", text("Lunch?")),
      message(r, "$c", text("The deployment went fine")),
    ]);
    expect(await found([r], "deploy")).toEqual(["$c", "$a"]);
    expect(await found([r], '"new release"')).toEqual(["$a"]);
    expect(await found([r], "deploy -fine")).toEqual(["$a"]);
    const result = await searchMessageRows(db.prisma, { roomIds: [r], query: "deployment", limit: 1, offset: 0 });
    expect(result).toMatchObject({ status: "ok", more: true });
    if (result.status === "ok") expect(result.hits[0]!.snippet).toContain(`${SNIPPET_MARK_START}deployment${SNIPPET_MARK_END}`);
    expect(await found([r], "deploy")).toEqual(await found([r, "!other:example.org"], "deploy"));
  });

  it("keeps text that looks like HTML as text in snippets", async () => {
    const r = await room();
    await live(r, [message(r, "$h", text("try the sandbox with <script>alert(1)</script> inside"))]);
    const result = await searchMessageRows(db.prisma, { roomIds: [r], query: "sandbox", limit: 5, offset: 0 });
    if (result.status !== "ok") throw new Error(result.status);
    expect(result.hits[0]!.snippet).toBe(`try the ${SNIPPET_MARK_START}sandbox${SNIPPET_MARK_END} with <script>alert(1)</script> inside`);
  });

  it("never finds redacted, withheld, rejected, soft-failed or purged messages", async () => {
    const r = await room();
    await live(r, [
      message(r, "$secret", text("the secret password is swordfish")),
      message(r, "$withheld", text("swordfish forgery")),
      message(r, "$rejected", text("swordfish rejected"), { rejectedReason: "not allowed" }),
      message(r, "$soft", text("swordfish soft"), { softFailedReason: "banned" }),
      message(r, "$kept", text("a swordfish is a fish")),
    ]);
    expect(await found([r], "swordfish")).toEqual(["$kept", "$withheld", "$secret"]);
    await live(r, [{ ...makeEvent(r, { id: "$redaction", redacts: "$secret", depth: ++depth }) }]);
    await denyEvent(db.prisma, { roomId: r, eventId: "$withheld", reason: "signature check failed" });
    expect(await found([r], "swordfish")).toEqual(["$kept"]);
    expect(await found([r], "password")).toEqual([]);
    // A redaction that arrives before its target: the target is stored redacted, never indexed.
    await live(r, [{ ...makeEvent(r, { id: "$early-redaction", redacts: "$late", depth: ++depth }) }]);
    await live(r, [message(r, "$late", text("swordfish late"))]);
    expect(await found([r], "late")).toEqual([]);
    await purgeRoomTimeline(db.prisma, r);
    expect(await found([r], "swordfish")).toEqual([]);
    expect(await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM message_search WHERE room_id = ${r}`).toEqual([{ n: 0 }]);
  });

  it("finds an edit's new words under the message it edits, only while that message stands and the edit is its sender's", async () => {
    const r = await room();
    await live(r, [
      message(r, "$orig", text("meeting at noon")),
      message(r, "$edit", {
        msgtype: "m.text",
        body: "* meeting at three",
        "m.new_content": text("meeting at three"),
        "m.relates_to": { rel_type: "m.replace", event_id: "$orig" },
      }),
      message(
        r,
        "$forged-edit",
        {
          msgtype: "m.text",
          body: "* meeting cancelled",
          "m.new_content": text("meeting cancelled"),
          "m.relates_to": { rel_type: "m.replace", event_id: "$orig" },
        },
        { sender: "@mallory:example.org" },
      ),
    ]);
    expect(await found([r], "three")).toEqual(["$orig"]);
    expect(await found([r], "cancelled")).toEqual([]);
    await live(r, [{ ...makeEvent(r, { id: "$redact-orig", redacts: "$orig", depth: ++depth }) }]);
    expect(await found([r], "meeting")).toEqual([]);
  });

  it("searches a reply by its own words, not the quoted fallback", async () => {
    const r = await room();
    await live(r, [
      message(r, "$q", text("original question about bananas")),
      message(r, "$reply", {
        msgtype: "m.text",
        body: "> <@bob:example.org> original question about bananas\n\nyes, apples",
        "m.relates_to": { "m.in_reply_to": { event_id: "$q" } },
      }),
    ]);
    expect(await found([r], "bananas")).toEqual(["$q"]);
    expect(await found([r], "apples")).toEqual(["$reply"]);
  });

  it("answers any query text without an error: syntax, stop words, punctuation, long input", async () => {
    const r = await room();
    await live(r, [message(r, "$x", text("hello world"))]);
    for (const q of ['"', "'", "&|!():*", "or or or", "-", "a & b | !c", "\\", "%_", "🙂", "hello:*", "x".repeat(5000)]) {
      const result = await searchMessageRows(db.prisma, { roomIds: [r], query: q, limit: 5, offset: 0 });
      expect(["ok", "no_terms"]).toContain(result.status);
    }
    expect((await searchMessageRows(db.prisma, { roomIds: [r], query: "the and of", limit: 5, offset: 0 })).status).toBe("no_terms");
  });

  it("answers the same pages whatever the plan: few hits, the newest rows first, or every hit through the GIN index", async () => {
    // More hits of a common word than are sorted from the GIN index (100), and more rows than
    // the newest window tested (1,000 for a first page).
    const a = await room();
    const ids: string[] = [];
    const total = 3100;
    for (let start = 0; start < total; start += 500) {
      await live(
        a,
        Array.from({ length: Math.min(500, total - start) }, (_, k) => {
          const i = start + k;
          ids.push(`$w${i}`);
          const words = ["common", i < 3 ? "ancient" : "", i < 2050 ? "early" : "", i % 40 === 0 ? "sometimes" : ""];
          return message(a, `$w${i}`, text(`${words.join(" ")} number ${i}`));
        }),
      );
    }
    const newestFirst = (pick: (i: number) => boolean) => ids.filter((_, i) => pick(i)).reverse();
    expect(await found([a], "ancient")).toEqual(newestFirst((i) => i < 3)); // few hits
    expect(await found([a], "sometimes")).toEqual(newestFirst((i) => i % 40 === 0).slice(0, 50)); // few hits
    expect(await found([a], "common")).toEqual(newestFirst(() => true).slice(0, 50)); // the newest rows
    expect(await found([a], "early")).toEqual(newestFirst((i) => i < 2050).slice(0, 50)); // many hits, none of them new
    // Pages follow one another, also across rooms, where a newer room's hits come first.
    const b = await room();
    await live(b, [message(b, "$b1", text("common in b")), message(b, "$b2", text("common again in b"))]);
    const pages: string[] = [];
    for (let page = 0; page < 3; page++) {
      const result = await searchMessageRows(db.prisma, { roomIds: [a, b], query: "common", limit: 20, offset: page * 20 });
      if (result.status !== "ok") throw new Error(result.status);
      expect(result.more).toBe(true);
      pages.push(...result.hits.map((h) => h.messageId));
    }
    expect(pages).toEqual(["$b2", "$b1", ...newestFirst(() => true).slice(0, 58)]);
    const deep = await searchMessageRows(db.prisma, { roomIds: [a, b], query: "common", limit: 20, offset: total - 10 });
    expect(deep).toMatchObject({ status: "ok", more: false });
    if (deep.status === "ok") expect(deep.hits.map((h) => h.messageId)).toEqual(newestFirst(() => true).slice(total - 12));
  });

  it("counts the gaps of the searched rooms", async () => {
    const r = await room();
    await live(r, [message(r, "$g1", text("one"))]);
    expect(await countGaps(db.prisma, [r])).toBe(0);
    await live(r, [message(r, "$g3", text("three"), { prevEvents: ["$g2-missing"] })]);
    expect(await countGaps(db.prisma, [r])).toBe(1);
    expect(await countGaps(db.prisma, [])).toBe(0);
  });
});
