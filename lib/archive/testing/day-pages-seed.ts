import type { Db } from "@/lib/db";
import { denyEvent } from "@/lib/timeline/deny";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";
import type { TimelineEventInput } from "@/lib/timeline/types";

// Rooms for the day-page e2e specs, written through lib/timeline as verified events would be:
// "History" (several past days, edits, replies across days, reactions, a redaction, a denied
// event, a gap before its last day), "Hostile" (HTML payloads), "Busy" (400 messages on one
// day) and "Closed" (not world-readable).

const HISTORY = "!history:hs.test";
const HOSTILE = "!hostile:hs.test";
const CLOSED = "!closed:hs.test";
const BUSY = "!busy:hs.test";
export const BUSY_COUNT = 400;
const at = (day: string, hhmm: string) => BigInt(Date.parse(`${day}T${hhmm}:00Z`));

interface Spec {
  id: string;
  ts: bigint;
  type?: string;
  stateKey?: string;
  sender?: string;
  content: Record<string, unknown>;
  prevs?: string[];
  redacts?: string;
}

/** A chain of events in one room: each one's prev_event is the one before unless given. */
export function chain(roomId: string, specs: Spec[], startDepth = 1): TimelineEventInput[] {
  let prev: string | null = null;
  return specs.map((s, i) => {
    const type = s.type ?? "m.room.message";
    const sender = s.sender ?? "@alice:hs.test";
    const prevEvents: string[] = s.prevs ?? (prev ? [prev] : []);
    prev = s.id;
    return {
      eventId: s.id,
      roomId,
      type,
      stateKey: s.stateKey ?? null,
      sender,
      originServerTs: s.ts,
      depth: BigInt(startDepth + i),
      prevEvents,
      authEvents: [],
      pdu: JSON.stringify({
        event_id: s.id,
        room_id: roomId,
        type,
        sender,
        origin_server_ts: Number(s.ts),
        content: s.content,
        ...(s.stateKey !== undefined ? { state_key: s.stateKey } : {}),
      }),
      redacted: false,
      redacts: s.redacts ?? null,
    };
  });
}

const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: "m.text", body, ...extra });
const member = (id: string, user: string, ts: bigint, displayname: string): Spec => ({
  id,
  ts,
  type: "m.room.member",
  stateKey: user,
  sender: user,
  content: { membership: "join", displayname },
});

const D1 = "2026-11-20";
const D2 = "2026-11-21";
const D4 = "2026-11-23";

export async function seedDayPageRooms(prisma: Db): Promise<void> {
  await prisma.room.createMany({
    data: [
      {
        roomId: HISTORY,
        roomVersion: "11",
        name: "History",
        canonicalAlias: "#history:hs.test",
        topic: "A room with a past",
        historyVisibility: "world_readable",
        worldReadableSince: new Date(`${D1}T09:00:00Z`),
        worldReadableBy: "@alice:hs.test",
      },
      { roomId: HOSTILE, roomVersion: "11", name: "Hostile", canonicalAlias: "#hostile:hs.test", historyVisibility: "world_readable" },
      { roomId: CLOSED, roomVersion: "11", name: "Closed Club", canonicalAlias: "#closed:hs.test", historyVisibility: "shared" },
    ],
  });
  const history = chain(HISTORY, [
    { id: "$create-h", ts: at(D1, "09:00"), type: "m.room.create", stateKey: "", content: { room_version: "11" } },
    member("$join-alice", "@alice:hs.test", at(D1, "09:00"), "Alice"),
    { id: "$hv-h", ts: at(D1, "09:00"), type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "world_readable" } },
    { id: "$jr-h", ts: at(D1, "09:01"), type: "m.room.join_rules", stateKey: "", content: { join_rule: "public" } },
    { id: "$d1-m1", ts: at(D1, "10:00"), content: text("Day one: first message") },
    member("$join-bob", "@bob:hs.test", at(D1, "10:05"), "Bob"),
    member("$join-carol", "@carol:hs.test", at(D1, "10:06"), "Carol"),
    member("$join-dave", "@dave:hs.test", at(D1, "10:07"), "Dave"),
    {
      id: "$d1-m2",
      ts: at(D1, "10:10"),
      sender: "@bob:hs.test",
      content: text("Day one: hi Alice", { format: "org.matrix.custom.html", formatted_body: "Day one: hi <b>Alice</b>" }),
    },
    { id: "$d1-m3", ts: at(D1, "23:59"), content: text("Day one: last message") },
    { id: "$d2-m1", ts: at(D2, "00:00"), content: text("Day two: typo mesage") },
    {
      id: "$d2-m2",
      ts: at(D2, "08:30"),
      sender: "@bob:hs.test",
      content: {
        ...text("> <@alice:hs.test> Day one: first message\n\nDay two: replying to day one"),
        "m.relates_to": { "m.in_reply_to": { event_id: "$d1-m1" } },
      },
    },
    {
      id: "$d2-edit",
      ts: at(D2, "08:31"),
      content: {
        ...text("* Day two: fixed message"),
        "m.new_content": text("Day two: fixed message"),
        "m.relates_to": { rel_type: "m.replace", event_id: "$d2-m1" },
      },
    },
    {
      id: "$d2-react1",
      ts: at(D2, "08:32"),
      sender: "@carol:hs.test",
      type: "m.reaction",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$d2-m2", key: "👍" } },
    },
    {
      id: "$d2-react2",
      ts: at(D2, "08:33"),
      sender: "@dave:hs.test",
      type: "m.reaction",
      content: { "m.relates_to": { rel_type: "m.annotation", event_id: "$d2-m2", key: "👍" } },
    },
    { id: "$d2-m3", ts: at(D2, "09:00"), sender: "@bob:hs.test", content: text("Day two: something regrettable") },
    { id: "$d2-redact", ts: at(D2, "09:01"), sender: "@bob:hs.test", type: "m.room.redaction", content: { redacts: "$d2-m3" }, redacts: "$d2-m3" },
    { id: "$d2-forged", ts: at(D2, "12:00"), sender: "@mallory:hs.test", content: text("Day two: forged words") },
    { id: "$d2-m4", ts: at(D2, "18:00"), sender: "@carol:hs.test", content: text("Day two: evening") },
  ]);
  await insertEvents(prisma, { roomId: HISTORY, arrival: { kind: "live" }, events: history, redact: testRedact });
  await denyEvent(prisma, { roomId: HISTORY, eventId: "$d2-forged", reason: "signature check failed" });
  // Day four arrives without what came before it: the archive records a gap before it.
  const later = chain(
    HISTORY,
    [
      { id: "$d4-m1", ts: at(D4, "12:00"), prevs: ["$never-seen"], content: text("Day four: after the silence") },
      { id: "$d4-m2", ts: at(D4, "12:05"), sender: "@bob:hs.test", content: text("Day four: indeed") },
    ],
    40,
  );
  await insertEvents(prisma, { roomId: HISTORY, arrival: { kind: "live" }, events: later, redact: testRedact });

  const hostileBodies = [
    '<script>window.__pwned = "script"; alert("script")</script>script tag',
    '<img src="x" onerror="window.__pwned = \'onerror\'; alert(1)">image with onerror',
    '<a href="javascript:window.__pwned = \'link\'; alert(1)" id="js-link">javascript link</a>',
    "<svg onload=\"window.__pwned = 'svg'; alert(1)\"><script>alert(2)</script></svg>svg payload",
    '<div onmouseover="window.__pwned = \'hover\'" id="hover-me">hover payload</div>',
    '<iframe src="javascript:alert(1)"></iframe><style>body{display:none}</style>iframe and style',
    '<a href="https://example.org/" onclick="window.__pwned = \'click\'">safe link</a>',
  ];
  await insertEvents(prisma, {
    roomId: HOSTILE,
    arrival: { kind: "live" },
    events: chain(HOSTILE, [
      ...hostileBodies.map((html, i) => ({
        id: `$hostile-${i}`,
        ts: at(D1, `12:0${i}`),
        sender: "@mallory:hs.test",
        content: text(`payload ${i}`, { format: "org.matrix.custom.html", formatted_body: html }),
      })),
      {
        id: "$hostile-plain",
        ts: at(D1, "12:30"),
        sender: "@mallory:hs.test",
        content: text("plain: see https://example.org/docs. or javascript:alert(1) <script>alert(1)</script>"),
      },
    ]),
    redact: testRedact,
  });
  await prisma.room.create({ data: { roomId: BUSY, roomVersion: "11", name: "Busy", canonicalAlias: "#busy:hs.test", historyVisibility: "world_readable" } });
  const busy = Array.from({ length: BUSY_COUNT }, (_, i) => ({
    id: `$busy-${String(i + 1).padStart(3, "0")}`,
    ts: at("2026-11-25", "00:00") + BigInt(i * 3 * 60_000),
    content: text(`busy ${i + 1}`),
  }));
  await insertEvents(prisma, { roomId: BUSY, arrival: { kind: "live" }, events: chain(BUSY, busy), redact: testRedact });
  await insertEvents(prisma, {
    roomId: CLOSED,
    arrival: { kind: "live" },
    events: chain(CLOSED, [{ id: "$closed-m1", ts: at(D1, "10:00"), content: text("members only") }]),
    redact: testRedact,
  });
}
