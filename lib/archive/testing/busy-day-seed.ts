import { createHash } from "node:crypto";
import type { Db } from "@/lib/db";
import { insertEvents } from "@/lib/timeline/insert-events";
import { testRedact } from "@/lib/timeline/testing/events";
import { chain } from "./day-pages-seed";

// One busy day for the page-weight e2e and the Lighthouse bench: a public room where four members
// (two with avatars) talk for a day, 500 messages of plain, formatted and long text, replies and
// emotes, written through lib/timeline as the ingest pipeline writes verified events. Event IDs
// have the length of real room-version-11 IDs (a 43-character hash), because every message
// carries its ID in its anchor and links, and short test IDs would understate the page's bytes.

export const BUSY_DAY_MESSAGES = 500;
const BUSY_DAY_ROOM = "!busyday:hs.test";
const BUSY_DAY = "2026-11-25";
/** The day's first page, under the room's alias. */
export const BUSY_DAY_PATH = `/r/busyday%3Ahs.test/date/${BUSY_DAY.replaceAll("-", "/")}`;

const USERS = [
  ["@alice:hs.test", "Alice", "mxc://hs.test/avatarAlice"],
  ["@bob:hs.test", "Bob", null],
  ["@carol:hs.test", "Carol", "mxc://hs.test/avatarCarol"],
  ["@dave:hs.test", "Dave", null],
] as const;

/** A deterministic event ID of the length of a real one. */
const eventId = (name: string) => `$${createHash("sha256").update(name).digest("base64url")}`;

function dayOfMessages() {
  const start = BigInt(Date.parse(`${BUSY_DAY}T00:00:00Z`));
  const specs: Parameters<typeof chain>[1] = [
    { id: eventId("create"), ts: start, type: "m.room.create", stateKey: "", sender: USERS[0][0], content: { room_version: "11" } },
    ...USERS.map(([user, name, avatar], i) => ({
      id: eventId(`join-${i}`),
      ts: start + BigInt(i),
      type: "m.room.member",
      stateKey: user,
      sender: user,
      content: { membership: "join", displayname: name, ...(avatar ? { avatar_url: avatar } : {}) },
    })),
    {
      id: eventId("history-visibility"),
      ts: start + 10n,
      type: "m.room.history_visibility",
      stateKey: "",
      sender: USERS[0][0],
      content: { history_visibility: "world_readable" },
    },
    { id: eventId("join-rules"), ts: start + 11n, type: "m.room.join_rules", stateKey: "", sender: USERS[0][0], content: { join_rule: "public" } },
  ];
  for (let i = 0; i < BUSY_DAY_MESSAGES; i++) {
    const [sender] = USERS[(i * 7 + (i >> 3)) % USERS.length]!;
    const body =
      i % 11 === 0
        ? `Here is a longer thought, number ${i}: the archive keeps every day of this room in one order that never changes, and a reader can link to any single message of it.`
        : `message ${i + 1} of the day`;
    const content: Record<string, unknown> =
      i % 13 === 5
        ? {
            msgtype: "m.text",
            body,
            format: "org.matrix.custom.html",
            formatted_body: `<b>${body}</b> with <code>code</code> and <a href="https://example.org">a link</a>`,
          }
        : i % 17 === 3
          ? { msgtype: "m.emote", body: "waves" }
          : i % 19 === 7
            ? { msgtype: "m.text", body, "m.relates_to": { "m.in_reply_to": { event_id: eventId(`message-${i - 2}`) } } }
            : { msgtype: "m.text", body };
    // Most messages come a minute or more apart; every fifth follows its predecessor within
    // seconds, so the day has groups as well as lone messages.
    specs.push({ id: eventId(`message-${i}`), ts: start + 60_000n + BigInt(i) * 150_000n + BigInt(i % 5 === 1 ? -140_000 : 0), sender, content });
  }
  return chain(BUSY_DAY_ROOM, specs);
}

export async function seedBusyDay(prisma: Db): Promise<void> {
  await prisma.room.create({
    data: {
      roomId: BUSY_DAY_ROOM,
      roomVersion: "11",
      name: "Busy day",
      canonicalAlias: "#busyday:hs.test",
      historyVisibility: "world_readable",
      joinRule: "public",
    },
  });
  await insertEvents(prisma, { roomId: BUSY_DAY_ROOM, arrival: { kind: "live" }, events: dayOfMessages(), redact: testRedact });
}
