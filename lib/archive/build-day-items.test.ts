import { describe, expect, it } from "vitest";
import { buildDayItems, type DayItemsInput, type WindowItem } from "@/lib/archive/build-day-items";
import type { StoredEvent } from "@/lib/archive/stored-event";

let n = 0;
function ev(partial: Partial<StoredEvent> & { content?: Record<string, unknown> }): StoredEvent {
  n++;
  const { content = {}, ...rest } = partial;
  const e = { eventId: `$e${n}`, type: "m.room.message", stateKey: null, sender: "@alice:hs.test", ts: 1_700_000_000_000 + n * 1000, redacted: false, ...rest };
  return { ...e, pdu: JSON.stringify({ type: e.type, sender: e.sender, content, state_key: e.stateKey ?? undefined }) };
}
const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: "m.text", body, ...extra });

function input(events: StoredEvent[], extra: Partial<DayItemsInput> = {}, items?: WindowItem[]): DayItemsInput {
  const edits = new Map<string, StoredEvent[]>();
  const reactions = new Map<string, StoredEvent[]>();
  for (const e of events) {
    const rel = (JSON.parse(e.pdu) as { content: { "m.relates_to"?: { rel_type?: string; event_id?: string } } }).content["m.relates_to"];
    if (rel?.rel_type === "m.replace" && rel.event_id) edits.set(rel.event_id, [...(edits.get(rel.event_id) ?? []), e]);
    if (rel?.rel_type === "m.annotation" && rel.event_id) reactions.set(rel.event_id, [...(reactions.get(rel.event_id) ?? []), e]);
  }
  return {
    items: items ?? events.map((e) => ({ kind: "event", eventId: e.eventId })),
    events: new Map(events.map((e) => [e.eventId, e])),
    edits,
    reactions,
    quoted: new Map(events.map((e) => [e.eventId, e])),
    names: new Map([["@alice:hs.test", "Alice"]]),
    hidden: new Set(),
    late: new Set(),
    permalink: (e) => `/r/room:hs.test/event/${e.eventId}`,
    ...extra,
  };
}

describe("buildDayItems", () => {
  it("applies the latest edit by the same sender and hides the edit events", () => {
    const original = ev({ content: text("helo") });
    const byOther = ev({
      sender: "@mallory:hs.test",
      ts: original.ts + 50_000,
      content: { ...text("* hacked"), "m.new_content": text("hacked"), "m.relates_to": { rel_type: "m.replace", event_id: original.eventId } },
    });
    const first = ev({
      content: { ...text("* hello"), "m.new_content": text("hello"), "m.relates_to": { rel_type: "m.replace", event_id: original.eventId } },
    });
    const second = ev({
      content: { ...text("* hello!"), "m.new_content": text("hello!"), "m.relates_to": { rel_type: "m.replace", event_id: original.eventId } },
    });
    const items = buildDayItems(input([original, first, second, byOther]));
    expect(items).toHaveLength(1);
    const [msg] = items;
    expect(msg).toMatchObject({ kind: "message", eventId: original.eventId, editedTs: second.ts, body: { kind: "text", text: "hello!" } });
  });

  it("aggregates reactions by key, counting each sender once and skipping redacted ones", () => {
    const m = ev({ content: text("nice") });
    const react = (sender: string, key: string, redacted = false) =>
      ev({ type: "m.reaction", sender, redacted, content: redacted ? {} : { "m.relates_to": { rel_type: "m.annotation", event_id: m.eventId, key } } });
    const events = [
      m,
      react("@a:hs.test", "👍"),
      react("@b:hs.test", "👍"),
      react("@b:hs.test", "👍"),
      react("@a:hs.test", "🎉"),
      react("@c:hs.test", "🎉", true),
    ];
    const [msg] = buildDayItems(input(events));
    expect(msg).toMatchObject({
      reactions: [
        { key: "👍", count: 2 },
        { key: "🎉", count: 1 },
      ],
    });
  });

  it("quotes the replied-to message even when it is from another day, without the fallback", () => {
    const old = ev({ ts: 1_600_000_000_000, content: text("original question") });
    const reply = ev({
      content: { ...text("> <@alice:hs.test> original question\n\nthe answer"), "m.relates_to": { "m.in_reply_to": { event_id: old.eventId } } },
    });
    const data = input([reply]);
    const [msg] = buildDayItems({ ...data, quoted: new Map([[old.eventId, old]]) });
    expect(msg).toMatchObject({
      body: { kind: "text", text: "the answer" },
      replyTo: { eventId: old.eventId, excerpt: "original question", href: `/r/room:hs.test/event/${old.eventId}`, sender: { displayName: "Alice" } },
    });
  });

  it("says so when the quoted message is not in the archive", () => {
    const reply = ev({ content: { ...text("yes"), "m.relates_to": { "m.in_reply_to": { event_id: "$unknown" } } } });
    const [msg] = buildDayItems(input([reply]));
    expect(msg).toMatchObject({ replyTo: { eventId: "$unknown", excerpt: null, href: null } });
  });

  it("shows a redacted message as deleted in its place", () => {
    const a = ev({ content: text("a") });
    const gone = ev({ redacted: true });
    const c = ev({ content: text("c") });
    const items = buildDayItems(input([a, gone, c]));
    expect(items.map((i) => (i.kind === "message" ? (i.deleted ? "deleted" : i.body?.kind === "text" ? i.body.text : "?") : i.kind))).toEqual([
      "a",
      "deleted",
      "c",
    ]);
  });

  it("collapses a run of joins and leaves into one summary, broken by messages and gaps", () => {
    const member = (user: string, membership: string) => ev({ type: "m.room.member", stateKey: user, sender: user, content: { membership } });
    const j1 = member("@b:hs.test", "join");
    const j2 = member("@c:hs.test", "join");
    const j3 = member("@d:hs.test", "join");
    const j4 = member("@e:hs.test", "join");
    const l1 = member("@f:hs.test", "leave");
    const msg = ev({ content: text("hi") });
    const j5 = member("@g:hs.test", "join");
    const events = [j1, j2, j3, j4, l1, msg, j5];
    const items: WindowItem[] = [...events.map((e) => ({ kind: "event" as const, eventId: e.eventId })), { kind: "gap", gapId: "7", edge: "trailing" }];
    const out = buildDayItems(input(events, {}, items));
    expect(out.map((i) => i.kind)).toEqual(["state", "message", "state", "gap"]);
    expect(out[0]).toMatchObject({ summary: "@b:hs.test, @c:hs.test and 2 others joined; @f:hs.test left", eventId: j1.eventId });
    expect(out[0]?.kind === "state" && out[0].changes).toHaveLength(5);
    expect(out[2]).toMatchObject({ summary: "@g:hs.test joined" });
  });

  it("leaves out events that were not world-readable at the time and marks late arrivals", () => {
    const a = ev({ content: text("private") });
    const b = ev({ content: text("public") });
    const out = buildDayItems(input([a, b], { hidden: new Set([a.eventId]), late: new Set([b.eventId]) }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ eventId: b.eventId, late: true });
  });

  it("sanitizes formatted bodies", () => {
    const m = ev({ content: text("x", { format: "org.matrix.custom.html", formatted_body: '<b onclick="alert(1)">x</b><script>alert(1)</script>' }) });
    const [msg] = buildDayItems(input([m]));
    expect(msg).toMatchObject({ body: { html: "<b>x</b>" } });
  });

  it("routes images and files through the media proxy", () => {
    const img = ev({ content: { msgtype: "m.image", body: "cat.png", url: "mxc://hs.test/cat", info: { w: 640, h: 480 } } });
    const file = ev({ content: { msgtype: "m.file", body: "notes.pdf", url: "mxc://hs.test/notes", info: { size: 1234, mimetype: "application/pdf" } } });
    const evil = ev({ content: { msgtype: "m.image", body: "x", url: "https://evil.example/x.png" } });
    const out = buildDayItems(input([img, file, evil]));
    expect(out[0]).toMatchObject({ body: { kind: "image", src: "/media/hs.test/cat", alt: "cat.png", width: 640 } });
    expect(out[1]).toMatchObject({ body: { kind: "file", href: "/media/hs.test/notes", size: 1234 } });
    expect(out[2]).toMatchObject({ body: { kind: "image", src: null } });
  });
});

describe("state run summaries", () => {
  it("spells out a few settings and summarises a burst of them", () => {
    const state = (type: string, content: Record<string, unknown>) => ev({ type, stateKey: "", content });
    const two = [state("m.room.name", { name: "Lounge" }), state("m.room.topic", { topic: "Chat" })];
    const [run] = buildDayItems(input(two));
    expect(run).toMatchObject({ kind: "state", summary: "Alice named the room “Lounge”; Alice set the topic to “Chat”" });
    const burst = [state("m.room.create", {}), state("m.room.power_levels", {}), state("m.room.join_rules", { join_rule: "public" })];
    const [run2] = buildDayItems(input(burst));
    expect(run2).toMatchObject({ summary: "Alice created the room and 2 other room changes" });
  });
});

describe("threads", () => {
  it("names the thread root for a thread message and ignores the fallback reply", () => {
    const root = ev({ content: text("thread root") });
    const latest = ev({ content: text("earlier in thread") });
    const inThread = ev({
      content: {
        ...text("> <@alice:hs.test> earlier in thread\n\nin the thread"),
        "m.relates_to": { rel_type: "m.thread", event_id: root.eventId, is_falling_back: true, "m.in_reply_to": { event_id: latest.eventId } },
      },
    });
    const realReply = ev({
      content: {
        ...text("answering"),
        "m.relates_to": { rel_type: "m.thread", event_id: root.eventId, is_falling_back: false, "m.in_reply_to": { event_id: latest.eventId } },
      },
    });
    const out = buildDayItems(input([root, latest, inThread, realReply]));
    expect(out[2]).toMatchObject({ body: { text: "in the thread" }, replyTo: { kind: "thread", eventId: root.eventId, excerpt: "thread root" } });
    expect(out[3]).toMatchObject({ replyTo: { kind: "reply", eventId: latest.eventId, excerpt: "earlier in thread" } });
  });
});

describe("denied events", () => {
  it("keeps a denied message in its place as a withheld note without its content", () => {
    const a = ev({ content: text("fine") });
    const bad = ev({ content: text("forged") });
    const out = buildDayItems({ ...input([a, bad]), withheld: new Map([[bad.eventId, "signature check failed"]]) });
    expect(out[1]).toMatchObject({ eventId: bad.eventId, withheld: "signature check failed", body: null });
    expect(JSON.stringify(out[1])).not.toContain("forged");
  });
});

describe("overruled and withheld history, and denial items", () => {
  const state = (type: string, content: Record<string, unknown>, extra: Partial<StoredEvent> = {}) => ev({ type, stateKey: "", content, ...extra });
  const denial = (deniedEventId: string, reason: string, ts: number): WindowItem => ({ kind: "denial", deniedEventId, reason, ts });
  const events = (es: StoredEvent[]): WindowItem[] => es.map((e) => ({ kind: "event", eventId: e.eventId }));
  const OVERRULED = "Overruled by state resolution: @bob:hs2 renamed the room to “Bob's room”; the room's name is “Lobby”.";
  /** OVERRULED as the page shows it: the user ID a part of its own (no display name here). */
  const OVERRULED_PARTS = [
    { text: "Overruled by state resolution: " },
    { text: "@bob:hs2", userId: "@bob:hs2" },
    { text: " renamed the room to “Bob's room”; the room's name is “Lobby”." },
  ];

  it("shows an overruled rename with its text, marked, in a state run of its own", () => {
    const topic = state("m.room.topic", { topic: "Chat" });
    const rename = state("m.room.name", { name: "Bob's room" }, { sender: "@bob:hs2" });
    const join = ev({ type: "m.room.member", stateKey: "@c:hs.test", sender: "@c:hs.test", content: { membership: "join" } });
    const out = buildDayItems(input([topic, rename, join], { overruled: new Map([[rename.eventId, OVERRULED]]) }));
    expect(out.map((i) => (i.kind === "state" ? i.changes.map((c) => c.eventId) : i.kind))).toEqual([[topic.eventId], [rename.eventId], [join.eventId]]);
    expect(out[1]).toMatchObject({
      kind: "state",
      eventId: rename.eventId,
      summary: "@bob:hs2 named the room “Bob's room”",
      changes: [{ eventId: rename.eventId, text: "@bob:hs2 named the room “Bob's room”", overruled: OVERRULED_PARTS, withheld: null }],
    });
    expect(out[0]).toMatchObject({ changes: [{ overruled: null, withheld: null }] });
  });

  it("shows a withheld state event as a withheld note, without its content", () => {
    const name = state("m.room.name", { name: "forged name" }, { sender: "@mallory:hs.test" });
    const msg = ev({ content: text("after") });
    const out = buildDayItems(input([name, msg], { withheld: new Map([[name.eventId, "signature check failed"]]) }));
    expect(out.map((i) => i.kind)).toEqual(["state", "message"]);
    expect(out[0]).toMatchObject({
      eventId: name.eventId,
      changes: [{ eventId: name.eventId, text: "A room change by @mallory:hs.test", withheld: "signature check failed", overruled: null }],
    });
    expect(JSON.stringify(out)).not.toContain("forged name");
  });

  it("places a denial item where the archive learned it, linking the item on this page or its permalink", () => {
    const rename = state("m.room.name", { name: "Bob's room" }, { sender: "@bob:hs2" });
    const bad = ev({ content: text("forged") });
    const elsewhere = ev({ ts: 1_600_000_000_000, content: text("another day") });
    const later = ev({ content: text("later") });
    const items = [
      ...events([rename, bad]),
      denial(rename.eventId, OVERRULED, later.ts - 2),
      denial(bad.eventId, "signature check failed", later.ts - 1),
      denial(elsewhere.eventId, "Rejected once the history before it was known: auth", later.ts - 1),
      ...events([later]),
    ];
    const out = buildDayItems(
      input(
        [rename, bad, later],
        {
          overruled: new Map([[rename.eventId, OVERRULED]]),
          withheld: new Map([[bad.eventId, "signature check failed"]]),
          denied: new Map([[elsewhere.eventId, elsewhere]]),
        },
        items,
      ),
    );
    expect(out.map((i) => `${i.kind}:${i.kind === "gap" ? i.gapId : i.eventId}`)).toEqual([
      `state:${rename.eventId}`,
      `message:${bad.eventId}`,
      `denial:${rename.eventId}`,
      `denial:${bad.eventId}`,
      `denial:${elsewhere.eventId}`,
      `message:${later.eventId}`,
    ]);
    expect(out[2]).toEqual({ kind: "denial", eventId: rename.eventId, ts: later.ts - 2, reason: OVERRULED_PARTS, href: `#${rename.eventId}` });
    expect(out[3]).toMatchObject({ reason: [{ text: "signature check failed" }], href: `#${bad.eventId}` });
    expect(out[4]).toMatchObject({ href: `/r/room:hs.test/event/${elsewhere.eventId}` });
    expect(out[1]).toMatchObject({ kind: "message", withheld: "signature check failed", body: null });
  });

  it("keeps every item in its relative order, with or without denials", () => {
    const member = (user: string) => ev({ type: "m.room.member", stateKey: user, sender: user, content: { membership: "join" } });
    const j1 = member("@b:hs.test");
    const rename = state("m.room.name", { name: "X" });
    const j2 = member("@c:hs.test");
    const m1 = ev({ content: text("one") });
    const bad = ev({ content: text("forged") });
    const m2 = ev({ content: text("two") });
    const all = [j1, rename, j2, m1, bad, m2];
    const denials = [denial(rename.eventId, OVERRULED, m2.ts + 1), denial(bad.eventId, "signature check failed", m2.ts + 2)];
    const without = buildDayItems(input(all));
    const withDenials = buildDayItems(
      input(all, { overruled: new Map([[rename.eventId, OVERRULED]]), withheld: new Map([[bad.eventId, "signature check failed"]]) }, [
        ...events(all),
        ...denials,
      ]),
    );
    const order = (items: ReturnType<typeof buildDayItems>) =>
      items.flatMap((i) => (i.kind === "state" ? i.changes.map((c) => c.eventId) : i.kind === "gap" ? [] : [i.eventId]));
    expect(order(without)).toEqual(all.map((e) => e.eventId));
    // Nothing is dropped or moved: the same events in the same order, then the denials.
    expect(order(withDenials)).toEqual([...all.map((e) => e.eventId), rename.eventId, bad.eventId]);
    expect(withDenials.map((i) => i.kind)).toEqual(["state", "state", "state", "message", "message", "message", "denial", "denial"]);
  });

  it("leaves out a denial item of an event the reader may not see", () => {
    const secret = ev({ content: text("private") });
    const out = buildDayItems(input([secret], { hidden: new Set([secret.eventId]) }, [...events([secret]), denial(secret.eventId, "no", secret.ts + 1)]));
    expect(out).toEqual([]);
  });
});

describe("reading comfort", () => {
  const T = 1_700_100_000_000;
  it("groups consecutive messages of one sender within five minutes, and a late message or another item starts a new group", () => {
    const a = ev({ ts: T, content: text("one") });
    const b = ev({ ts: T + 60_000, content: text("two") });
    const c = ev({ ts: T + 60_000 + 5 * 60_000, content: text("three, five minutes later") });
    const d = ev({ ts: T + 7 * 60_000, sender: "@bob:hs.test", content: text("bob") });
    const e = ev({ ts: T + 7 * 60_000 + 1000, sender: "@bob:hs.test", content: text("bob again, late") });
    const f = ev({ ts: T + 7 * 60_000 + 2000, sender: "@bob:hs.test", content: text("bob after the gap") });
    const items = buildDayItems(
      input([a, b, c, d, e, f], { late: new Set([e.eventId]) }, [
        ...[a, b, c, d, e].map((x) => ({ kind: "event" as const, eventId: x.eventId })),
        { kind: "gap", gapId: "1", edge: "inner" },
        { kind: "event", eventId: f.eventId },
      ]),
    );
    expect(items.map((i) => (i.kind === "message" ? i.continued : i.kind))).toEqual([false, true, false, false, false, "gap", false]);
  });

  it("shows a display name that two senders share with each one's user ID, and leaves unique names alone", () => {
    const a = ev({ content: text("I am Sam") });
    const b = ev({ sender: "@sam:other.test", content: text("No, I am Sam") });
    const c = ev({ sender: "@carol:hs.test", content: text("I am Carol") });
    const names = new Map([
      ["@alice:hs.test", "Sam"],
      ["@sam:other.test", "Sam"],
      ["@carol:hs.test", "Carol"],
    ]);
    const items = buildDayItems(input([a, b, c], { names }));
    expect(items.map((i) => (i.kind === "message" ? i.sender.displayName : null))).toEqual(["Sam (@alice:hs.test)", "Sam (@sam:other.test)", "Carol"]);
  });
});
