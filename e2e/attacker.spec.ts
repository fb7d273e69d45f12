import { expect, test } from "@playwright/test";
import { dayPagePath } from "../lib/archive/room-paths";
import type { JsonObject } from "../lib/matrix/json-value";
import type { RoomReport } from "../scripts/archive/admin";
import type { Homeserver, MatrixUser, Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { startHostileServer, type BuiltPdu, type HostileServer, type PduSpec } from "./fixtures/hostile-server";
import { useTestbed } from "./fixtures/testbed";

// Attacks on the archive's ingest (Matrix auth rules, state resolution, soft failure): a hostile
// server signs PDUs with its own, valid key and pushes them over /send. Every PDU verifies (hash,
// signature, format), so only authorization can stop it. First a server that never joined
// attacks #lobby; then one that joined #hall through hs1 as a member without power attacks #hall
// (a room of its own, so what the first attacker did cannot hide what the second one does).
// Each attack is a step with soft assertions: every step runs and reports. What is checked is
// what a reader sees (day pages, /r/{alias}) and what the operator's room report says, not only
// the per-PDU error texts: a soft-failed PDU may be answered `{}`, as Synapse does.

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 2, archive: { name: "archive-attacker" } }, (ready) => ({ bed, archive } = ready));

const V = "11";
/** Marks every forged text: no page may ever contain it. */
const PWNED = "PWNED";
const POLL = { timeout: 20_000, intervals: [200] };

/** The room report as the authorized ingest pipeline extends it (absent fields: not there yet). */
type AttackReport = Omit<RoomReport, "room" | "events"> & {
  room: (NonNullable<RoomReport["room"]> & { status: string; topic: string | null }) | null;
  events: Array<RoomReport["events"][number] & { rejected?: boolean; softFailed?: boolean }>;
  currentState?: Array<{ type: string; stateKey: string; eventId: string }>;
};

interface StateEvent {
  event_id: string;
  type: string;
  state_key: string;
  sender: string;
  content: Record<string, unknown>;
}

interface Room {
  roomId: string;
  alias: string;
  name: string;
  topic: string;
  /** Current state as hs1 holds it, by `type|state_key`. */
  state: Map<string, StateEvent>;
  /** Seeded messages: ID, sender, text, timestamp. */
  messages: Array<{ eventId: string; sender: string; body: string; ts: number }>;
}

interface Answer {
  phase: string;
  step: string;
  label: string;
  eventId: string;
  status: number;
  result: { error?: string } | "missing";
}

const answers: Answer[] = [];
const hostiles: HostileServer[] = [];
test.afterAll(async () => {
  await Promise.all(hostiles.map((h) => h.stop().catch(() => {})));
});
const outcomes: Array<{ step: string; ok: boolean; errors: string[] }> = [];

test("forged PDUs from a server that never joined and from a joined server without power change nothing a reader sees", async ({ request }, testInfo) => {
  test.setTimeout(180_000);
  const started = Date.now();
  const [hs1, hs2] = bed.homeservers as [Homeserver, Homeserver];
  let alice!: MatrixUser;
  let bob!: MatrixUser;
  let lobby!: Room;
  let hall!: Room;
  let outsider!: HostileServer;
  let insider!: HostileServer;

  // ---------------------------------------------------------------- helpers
  const report = (roomId: string) => archive.admin<AttackReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  // Rejected and soft-failed events are kept but never shown; denied ones are withheld in place.
  const hidden = (e: AttackReport["events"][number]) =>
    e.rejected === true || e.softFailed === true || ((e as { deniedReason?: string | null }).deniedReason ?? null) !== null;
  const visibleInStore = (r: AttackReport, eventId: string) => r.events.some((e) => e.eventId === eventId && !hidden(e));

  const stateOf = async (roomId: string) => {
    const events = await alice.request<StateEvent[]>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state`);
    return new Map(events.map((e) => [`${e.type}|${e.state_key}`, e]));
  };
  const sid = (room: Room, type: string, stateKey = "") => {
    const id = room.state.get(`${type}|${stateKey}`)?.event_id;
    if (!id) throw new Error(`${room.alias} has no ${type} ${JSON.stringify(stateKey)} state`);
    return id;
  };

  /** The newest event of the room on hs1 and its depth (two one-event pages of /messages, client and federation format). */
  const head = async (room: Room) => {
    const [client, federation] = [
      (await alice.messages(room.roomId, { dir: "b", limit: 1 })).chunk[0],
      (await alice.messages(room.roomId, { dir: "b", limit: 1, federationFormat: true })).chunk[0],
    ];
    const eventId = client?.event_id;
    if (
      !eventId ||
      !federation ||
      typeof federation.depth !== "number" ||
      federation.origin_server_ts !== client.origin_server_ts ||
      federation.type !== client.type
    ) {
      throw new Error(`no newest event of ${room.alias} on hs1 (${JSON.stringify(client)?.slice(0, 200)})`);
    }
    // The archive should hold it before forged events cite it (else it asks the attacker for it,
    // in vain); a purged room never will, so this wait gives up quietly.
    for (let attempt = 0, deadline = Date.now() + 5_000; attempt < 50 && Date.now() < deadline; attempt++) {
      if ((await report(room.roomId)).events.some((e) => e.eventId === eventId)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { eventId, depth: federation.depth };
  };

  const dayUrl = (room: Room, ts: number) =>
    `${archive.url}${dayPagePath(`/roomid/${encodeURIComponent(room.roomId.slice(1))}`, new Date(ts).toISOString().slice(0, 10))}`;

  /** One day page as a reader gets it: its status, its text, and each message's sender name and text. */
  const readDay = async (room: Room, ts = Date.now()) => {
    const res = await request.get(dayUrl(room, ts));
    const html = await res.text();
    const articles = new Map<string, { sender: string; text: string }>();
    for (const m of html.matchAll(/<article\b[^>]*\bid="([^"]+)"[^>]*>([\s\S]*?)<\/article>/g)) {
      const id = decodeEntities(m[1]!);
      const inner = m[2]!;
      // The sender's name is the first <b> of the message's header (components/day/message-item.tsx).
      const sender = /<b\b[^>]*>([\s\S]*?)<\/b>/.exec(inner)?.[1] ?? "";
      articles.set(id, { sender: textOf(sender), text: textOf(inner) });
    }
    return { status: res.status(), url: res.url(), html, text: textOf(html), articles };
  };

  const current = (r: AttackReport, type: string, stateKey = "") => r.currentState?.find((s) => s.type === type && s.stateKey === stateKey)?.eventId;
  const expectCurrentState = (r: AttackReport, type: string, stateKey: string, eventId: string) => {
    expect.soft(r.currentState, "the room report has no currentState yet (asked for: currentState: Array<{ type, stateKey, eventId }>)").toBeDefined();
    if (r.currentState) expect.soft(current(r, type, stateKey), `current ${type} ${JSON.stringify(stateKey)}`).toBe(eventId);
  };

  let phase = "";
  let stepName = "";
  /** Sends forged PDUs to the archive; the answer must be 200 with a result for each. */
  const forge = async (server: HostileServer, labelled: Array<[label: string, built: BuiltPdu]>) => {
    const sent = await server.send(
      archive.serverName,
      labelled.map(([, b]) => b.pdu),
    );
    expect.soft(sent.status, `/send answered ${sent.status}: ${JSON.stringify(sent.body).slice(0, 300)}`).toBe(200);
    for (const [label, built] of labelled) {
      const result = sent.pdus[built.eventId] ?? "missing";
      answers.push({ phase, step: stepName, label, eventId: built.eventId, status: sent.status, result });
      expect.soft(result, `/send has a result for ${label}`).not.toBe("missing");
    }
    return sent;
  };
  /** Each forged PDU was refused: a non-empty error, or stored flagged rejected / soft-failed, or not stored. */
  const expectRefused = async (roomId: string, labelled: Array<[string, BuiltPdu]>) => {
    const r = await report(roomId);
    for (const [label, built] of labelled) {
      const answer = answers.find((a) => a.eventId === built.eventId);
      const error = answer && answer.result !== "missing" ? answer.result.error : undefined;
      const stored = r.events.find((e) => e.eventId === built.eventId);
      const refused = (error !== undefined && error !== "") || (stored !== undefined && hidden(stored));
      expect
        .soft(
          refused,
          `${label} (${built.eventId}): answered ${JSON.stringify(answer?.result)} and ${stored ? `stored ${JSON.stringify(stored)}` : "not stored"}`,
        )
        .toBe(true);
      expect.soft(stored === undefined || hidden(stored), `${label} is a visible event in the archive's store`).toBe(true);
    }
  };

  const attack = async (name: string, fn: () => Promise<void>) => {
    stepName = name;
    await test.step(`${phase}: ${name}`, async () => {
      const before = testInfo.errors.length;
      try {
        await fn();
      } catch (err) {
        expect.soft(String((err as Error).stack ?? err), `${name} threw`).toBe("(no exception)");
      }
      const errors = testInfo.errors.slice(before).map((e) => (e.message ?? "").split("\n")[0] ?? "");
      outcomes.push({ step: `${phase}: ${name}`, ok: errors.length === 0, errors });
    });
  };

  /** Reader-visible invariants of a room after an attack. */
  const expectRoomIntact = async (room: Room, what: string) => {
    const r = await report(room.roomId);
    expect.soft(r.room?.status, `${what}: room.status`).toBe("joined");
    expect.soft(r.room?.historyVisibility, `${what}: historyVisibility`).toBe("world_readable");
    expect.soft(r.room?.canonicalAlias, `${what}: canonicalAlias`).toBe(room.alias);
    expect.soft(r.room?.name, `${what}: name`).toBe(room.name);
    expect.soft(r.room?.topic, `${what}: topic`).toBe(room.topic);
    for (const m of room.messages) expect.soft(visibleInStore(r, m.eventId), `${what}: seeded message ${m.body} still held`).toBe(true);
    const day = await readDay(room, room.messages[0]!.ts);
    expect.soft(day.status, `${what}: day page status`).toBe(200);
    for (const m of room.messages.filter((x) => sameDay(x.ts, room.messages[0]!.ts))) {
      expect.soft(day.articles.get(m.eventId)?.text ?? "(not shown)", `${what}: ${m.body} shown`).toContain(m.body);
    }
    expect.soft(day.text.includes(PWNED), `${what}: a forged text is on the day page`).toBe(false);
    return { r, day };
  };

  /** A real message from each homeserver still reaches the archive and the day page. */
  const expectRealServersAccepted = async (room: Room, what: string) => {
    const fromHs1 = await alice.sendMessage(room.roomId, `${what}: still heard from hs1`);
    const fromHs2 = await bob.sendMessage(room.roomId, `${what}: still heard from hs2`);
    let arrived = false;
    for (let attempt = 0, deadline = Date.now() + 20_000; attempt < 200 && Date.now() < deadline && !arrived; attempt++) {
      const r = await report(room.roomId);
      arrived = visibleInStore(r, fromHs1) && visibleInStore(r, fromHs2);
      if (!arrived) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect.soft(arrived, `${what}: messages sent on hs1 and hs2 afterwards reach the archive within 20 s`).toBe(true);
    const day = await readDay(room);
    expect.soft(day.articles.has(fromHs1), `${what}: hs1's message on the day page`).toBe(true);
    expect.soft(day.articles.has(fromHs2), `${what}: hs2's message on the day page`).toBe(true);
  };

  // ---------------------------------------------------------------- the room and the archive
  await test.step("setup: #lobby and #hall on hs1, bob on hs2, the archive joined and backfilled, two hostile servers", async () => {
    // One after the other: each front picks a free port, and two at once may pick the same one.
    const hostile = (async () => [await startHostileServer(bed, { localpart: "mallory" }), await startHostileServer(bed, { localpart: "mallory" })] as const)();
    [alice, bob] = await Promise.all([hs1.registerUser("alice", { displayName: "Alice Real" }), hs2.registerUser("bob", { displayName: "Bob Real" })]);
    const make = async (localpart: string, name: string, topic: string): Promise<Room> => {
      const roomId = await alice.createRoom({ alias: localpart, roomVersion: V, name, topic });
      await bob.joinRoom(roomId, { via: [hs1.serverName] });
      await alice.waitForJoined(roomId, bob.userId);
      const bodies = [`${name}: first from alice`, `${name}: second from alice`];
      const ids = await alice.sendMessages(roomId, bodies, { concurrency: 1 });
      const bobId = await bob.sendMessage(roomId, `${name}: hello from bob`);
      const messages = [
        ...ids.map((eventId, i) => ({ eventId, sender: alice.userId, body: bodies[i]!, ts: 0 })),
        { eventId: bobId, sender: bob.userId, body: `${name}: hello from bob`, ts: 0 },
      ];
      return { roomId, alias: `#${localpart}:${hs1.serverName}`, name, topic, state: new Map(), messages };
    };
    [lobby, hall] = await Promise.all([make("lobby", "Lobby", "Where everyone meets"), make("hall", "Hall", "The other room")]);
    for (const room of [lobby, hall]) {
      const joined = await archive.admin<{ status: string; roomId: string }>("join", { room: room.alias });
      expect(joined).toMatchObject({ status: "joined", roomId: room.roomId });
    }
    for (const room of [lobby, hall]) {
      await expect
        .poll(async () => {
          const r = await report(room.roomId);
          return room.messages.filter((m) => visibleInStore(r, m.eventId)).length;
        }, POLL)
        .toBe(room.messages.length);
      room.state = await stateOf(room.roomId);
      for (const m of room.messages) m.ts = (await alice.getEvent(room.roomId, m.eventId))?.origin_server_ts ?? Date.now();
    }
    [outsider, insider] = await hostile;
    hostiles.push(outsider, insider);
    console.log(
      `[attacker] outsider ${outsider.serverName}, insider ${insider.serverName}, archive ${archive.serverName}; setup ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    // What an intact room looks like, before any attack (the checks themselves must pass here).
    for (const room of [lobby, hall]) {
      const before = testInfo.errors.length;
      const { day } = await expectRoomIntact(room, `${room.alias} before the attacks`);
      expect(testInfo.errors.length, "the intact-room checks fail before any attack").toBe(before);
      const bobMessage = room.messages.find((m) => m.sender === bob.userId)!;
      expect(day.articles.get(bobMessage.eventId)?.sender).toBe("Bob Real");
    }
  });

  // ---------------------------------------------------------------- the attacks, for one attacker and room
  const runAttacks = async (room: Room, other: Room, mallory: HostileServer, joinEventId: string | undefined) => {
    const create = sid(room, "m.room.create");
    const pl = sid(room, "m.room.power_levels");
    const joinRules = sid(room, "m.room.join_rules");
    const bobMember = sid(room, "m.room.member", bob.userId);
    const own = joinEventId ? [joinEventId] : [];
    const base = (
      h: { eventId: string; depth: number },
      spec: Omit<PduSpec, "roomId" | "roomVersion" | "prevEvents" | "authEvents" | "depth"> & Partial<PduSpec>,
    ) => mallory.buildPdu({ roomId: room.roomId, roomVersion: V, prevEvents: [h.eventId], authEvents: [create, pl, ...own], depth: h.depth + 1, ...spec });
    const ghost = mallory.user("ghost");

    await attack("messages from users who never joined", async () => {
      const h = await head(room);
      const first = joinEventId ? ghost : mallory.userId;
      const forged: Array<[string, BuiltPdu]> = [
        [
          `message from ${joinEventId ? "a ghost citing the server's join" : "the attacker"}`,
          base(h, { type: "m.room.message", sender: first, content: { msgtype: "m.text", body: `${PWNED} hello from nowhere` } }),
        ],
        [
          "message from a ghost citing no membership",
          base(h, { type: "m.room.message", sender: ghost, authEvents: [create, pl], content: { msgtype: "m.text", body: `${PWNED} a ghost speaks` } }),
        ],
        [
          "message claiming to be alice, signed by the attacker",
          base(h, {
            type: "m.room.message",
            sender: alice.userId,
            authEvents: [create, pl, sid(room, "m.room.member", alice.userId)],
            content: { msgtype: "m.text", body: `${PWNED} I am alice` },
          }),
        ],
      ];
      await forge(mallory, forged);
      const day = await readDay(room);
      for (const [label, b] of forged) {
        expect.soft(day.articles.has(b.eventId), `${label} is on the day page`).toBe(false);
      }
      expect.soft(day.text.includes(PWNED), "a forged message text is on the day page").toBe(false);
      await expectRefused(room.roomId, forged);
    });

    await attack("m.room.member renaming bob (another server's user) to pwned", async () => {
      const h = await head(room);
      const forged: Array<[string, BuiltPdu]> = [
        [
          "rename of bob",
          base(h, {
            type: "m.room.member",
            stateKey: bob.userId,
            authEvents: [create, pl, joinRules, bobMember, ...own],
            content: { membership: "join", displayname: `${PWNED} bob` },
          }),
        ],
      ];
      await forge(mallory, forged);
      const bobMessage = room.messages.find((m) => m.sender === bob.userId)!;
      const day = await readDay(room, bobMessage.ts);
      expect.soft(day.articles.get(bobMessage.eventId)?.sender, "bob's display name on the day page").toBe("Bob Real");
      expect.soft(day.text.includes(PWNED), "the forged name is on the day page").toBe(false);
      expectCurrentState(await report(room.roomId), "m.room.member", bob.userId, bobMember);
      await expectRefused(room.roomId, forged);
    });

    await attack("m.room.join_rules to invite, m.room.name and m.room.topic (what the archive publishes)", async () => {
      const h = await head(room);
      const forged: Array<[string, BuiltPdu]> = [
        ["join_rules invite", base(h, { type: "m.room.join_rules", stateKey: "", content: { join_rule: "invite" } })],
        ["name", base(h, { type: "m.room.name", stateKey: "", content: { name: `${PWNED} name` } })],
        ["topic", base(h, { type: "m.room.topic", stateKey: "", content: { topic: `${PWNED} topic` } })],
      ];
      await forge(mallory, forged);
      const { r, day } = await expectRoomIntact(room, "after the forged settings");
      expect.soft(day.text.includes("set the join rule to invite"), "the forged join rule is on the day page").toBe(false);
      expect.soft((r.room as { joinRule?: string | null } | null)?.joinRule, "the room row's join rule").toBe("public");
      expectCurrentState(r, "m.room.join_rules", "", joinRules);
      expectCurrentState(r, "m.room.name", "", sid(room, "m.room.name"));
      expectCurrentState(r, "m.room.topic", "", sid(room, "m.room.topic"));
      await expectRefused(room.roomId, forged);
    });

    await attack("m.room.redaction of alice's message", async () => {
      const h = await head(room);
      const target = room.messages[0]!;
      const forged: Array<[string, BuiltPdu]> = [
        ["redaction of alice's message", base(h, { type: "m.room.redaction", redacts: target.eventId, content: { reason: `${PWNED} gone` } })],
      ];
      await forge(mallory, forged);
      const r = await report(room.roomId);
      expect.soft(r.events.find((e) => e.eventId === target.eventId)?.redacted, "alice's message is stored redacted").toBe(false);
      const day = await readDay(room, target.ts);
      expect.soft(day.articles.get(target.eventId)?.text ?? "(not shown)", "alice's message on the day page").toContain(target.body);
      // A member may send a redaction event (events_default 0): it is only never applied, since
      // the sender is of another server than alice and below the redact level (50).
      if (!joinEventId) await expectRefused(room.roomId, forged);
    });

    await attack(`m.room.canonical_alias claiming ${other.alias}, then an alias of the attacker`, async () => {
      const h = await head(room);
      const claim = base(h, { type: "m.room.canonical_alias", stateKey: "", content: { alias: other.alias } });
      const own = base(
        { eventId: claim.eventId, depth: h.depth + 1 },
        { type: "m.room.canonical_alias", stateKey: "", content: { alias: `#evil:${mallory.serverName}`, alt_aliases: [other.alias, room.alias] } },
      );
      const forged: Array<[string, BuiltPdu]> = [
        [`canonical_alias ${other.alias}`, claim],
        ["canonical_alias of the attacker", own],
      ];
      await forge(mallory, forged);
      for (const [mine, theirs] of [
        [room, other],
        [other, room],
      ] as const) {
        expect.soft((await report(mine.roomId)).room?.canonicalAlias, `${mine.alias}'s canonicalAlias`).toBe(mine.alias);
        const landing = await request.get(`${archive.url}/r/${encodeURIComponent(mine.alias.slice(1))}`);
        const html = await landing.text();
        expect.soft(landing.status(), `/r/${mine.alias} status`).toBe(200);
        expect.soft(html.includes(mine.messages[0]!.eventId), `/r/${mine.alias} shows ${mine.alias}'s messages`).toBe(true);
        expect.soft(html.includes(theirs.messages[0]!.eventId), `/r/${mine.alias} shows ${theirs.alias}'s messages`).toBe(false);
      }
      const evil = await request.get(`${archive.url}/r/${encodeURIComponent(`evil:${mallory.serverName}`)}`, { maxRedirects: 0 });
      expect.soft(evil.status(), "/r/#evil:<attacker> is unknown").toBe(404);
      expectCurrentState(await report(room.roomId), "m.room.canonical_alias", "", sid(room, "m.room.canonical_alias"));
      await expectRefused(room.roomId, forged);
    });

    await attack(
      "m.room.power_levels giving the attacker 100 (state reset: old auth events, prev_events at the create event, a fork merged back)",
      async () => {
        const h = await head(room);
        const plContent = room.state.get("m.room.power_levels|")!.content as Record<string, unknown>;
        const raised = { ...plContent, users: { ...(plContent.users as Record<string, number>), [mallory.userId]: 100 } };
        const oldAuth = mallory.buildPdu({
          roomId: room.roomId,
          roomVersion: V,
          type: "m.room.power_levels",
          stateKey: "",
          content: raised as JsonObject,
          prevEvents: [create],
          authEvents: [create, pl, ...own],
          depth: 2,
        });
        // A fork from the create event: a join of the attacker, then power levels with no earlier
        // power levels in their auth events ("no previous m.room.power_levels: allow"), merged back
        // into the room by a name change that cites both the real head and the fork.
        const forkJoin = mallory.buildPdu({
          roomId: room.roomId,
          roomVersion: V,
          type: "m.room.member",
          stateKey: mallory.userId,
          content: { membership: "join", displayname: "mallory" },
          prevEvents: [create],
          authEvents: [create, joinRules],
          depth: 2,
        });
        const forkPl = mallory.buildPdu({
          roomId: room.roomId,
          roomVersion: V,
          type: "m.room.power_levels",
          stateKey: "",
          content: { users: { [mallory.userId]: 100 }, users_default: 0, events_default: 0, state_default: 0, ban: 0, kick: 0, redact: 0, invite: 0 },
          prevEvents: [forkJoin.eventId],
          authEvents: [create, forkJoin.eventId],
          depth: 3,
        });
        const merge = mallory.buildPdu({
          roomId: room.roomId,
          roomVersion: V,
          type: "m.room.name",
          stateKey: "",
          content: { name: `${PWNED} by state reset` },
          prevEvents: [h.eventId, forkPl.eventId],
          authEvents: [create, forkPl.eventId, forkJoin.eventId],
          depth: h.depth + 1,
        });
        const after = mallory.buildPdu({
          roomId: room.roomId,
          roomVersion: V,
          type: "m.room.message",
          content: { msgtype: "m.text", body: `${PWNED} after the reset` },
          prevEvents: [merge.eventId],
          authEvents: [create, forkPl.eventId, forkJoin.eventId],
          depth: h.depth + 2,
        });
        const forged: Array<[string, BuiltPdu]> = [
          ["power_levels citing old auth events, prev_events [create]", oldAuth],
          ["forked join from the create event", forkJoin],
          ["forked power_levels", forkPl],
          ["name merging the fork into the room", merge],
          ["message after the merge", after],
        ];
        await forge(mallory, forged);
        const { r, day } = await expectRoomIntact(room, "after the state reset");
        expect.soft(day.articles.has(after.eventId), "the message after the merge is on the day page").toBe(false);
        expectCurrentState(r, "m.room.power_levels", "", pl);
        expectCurrentState(r, "m.room.name", "", sid(room, "m.room.name"));
        await expectRefused(room.roomId, forged);
      },
    );

    await attack("m.room.history_visibility joined at a huge depth, and with far-future origin_server_ts (5 days, 10 years)", async () => {
      const h = await head(room);
      const forged: Array<[string, BuiltPdu]> = [
        [
          "history_visibility joined at depth 2^53-1",
          base(h, { type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "joined" }, depth: Number.MAX_SAFE_INTEGER }),
        ],
        [
          "history_visibility invited 5 days ahead",
          base(h, { type: "m.room.history_visibility", stateKey: "", content: { history_visibility: "invited" }, originServerTs: Date.now() + 5 * 86_400_000 }),
        ],
        [
          // Past any key's validity (a fetched key is trusted for 7 days at most): cannot verify.
          "history_visibility joined 10 years ahead",
          base(h, {
            type: "m.room.history_visibility",
            stateKey: "",
            content: { history_visibility: "joined" },
            originServerTs: Date.now() + 3650 * 86_400_000,
          }),
        ],
      ];
      await forge(mallory, forged);
      const { r } = await expectRoomIntact(room, "after the forged history_visibility");
      expectCurrentState(r, "m.room.history_visibility", "", sid(room, "m.room.history_visibility"));
      await expectRefused(room.roomId, forged);
    });

    await attack("m.room.server_acl denying hs1 and hs2 (localhost), then real messages from both", async () => {
      const h = await head(room);
      const forged: Array<[string, BuiltPdu]> = [
        [
          "server_acl denying localhost",
          base(h, {
            type: "m.room.server_acl",
            stateKey: "",
            content: { allow: ["*"], deny: ["localhost", hs1.serverName, hs2.serverName], allow_ip_literals: true },
          }),
        ],
      ];
      await forge(mallory, forged);
      await expectRefused(room.roomId, forged);
      await expectRealServersAccepted(room, `${room.alias} after the forged ACL`);
      await expectRoomIntact(room, "after the forged ACL");
    });

    await attack(
      joinEventId ? "the room's server list holds only servers with a joined member" : "the attacker's server never enters the room's server list",
      async () => {
        const servers = (await report(room.roomId)).room?.servers ?? [];
        if (!joinEventId) expect.soft(servers, "room.servers").not.toContain(mallory.serverName);
        // A server that joined through hs1 is in the room and may be listed for that; what forged
        // events claim must not add anything: every listed server has a joined member on hs1.
        const state = await stateOf(room.roomId);
        const joined = new Set(
          [...state.values()]
            .filter((e) => e.type === "m.room.member" && e.content.membership === "join")
            .map((e) => e.state_key.slice(e.state_key.indexOf(":") + 1)),
        );
        expect
          .soft(
            servers.filter((server) => !joined.has(server)),
            "servers in room.servers without a joined member on hs1",
          )
          .toEqual([]);
      },
    );
  };

  // ---------------------------------------------------------------- phase 1: a server that never joined
  phase = "outsider (never joined) on #lobby";
  await runAttacks(lobby, hall, outsider, undefined);
  await attack("the outsider's page shows nothing of it", async () => {
    const day = await readDay(lobby);
    expect.soft(day.status, "#lobby's day page status").toBe(200);
    expect.soft(day.html.includes(outsider.serverName), "the outsider's server name is on #lobby's day page").toBe(false);
  });

  // ---------------------------------------------------------------- phase 2: a server that joined without power
  phase = "insider (joined through hs1, no power) on #hall";
  let insiderJoin: string | undefined;
  await attack("joins #hall through hs1 (make_join, send_join v2) as a member without power", async () => {
    const joined = await insider.join(hs1.serverName, hall.roomId);
    insiderJoin = joined.eventId;
    await alice.waitForJoined(hall.roomId, insider.userId);
    await expect
      .poll(async () => visibleInStore(await report(hall.roomId), joined.eventId), { ...POLL, message: "the archive holds the insider's join" })
      .toBe(true);
    hall.state = await stateOf(hall.roomId);
    const levels = hall.state.get("m.room.power_levels|")!.content as { users?: Record<string, number> };
    expect.soft(levels.users?.[insider.userId], "the insider has no power").toBeUndefined();
  });
  if (insiderJoin) {
    await runAttacks(hall, lobby, insider, insiderJoin);
    await attack("control: the insider's own, allowed message is accepted and shown", async () => {
      const h = await head(hall);
      const ok = insider.buildPdu({
        roomId: hall.roomId,
        roomVersion: V,
        type: "m.room.message",
        content: { msgtype: "m.text", body: "an allowed message from the insider" },
        prevEvents: [h.eventId],
        authEvents: [sid(hall, "m.room.create"), sid(hall, "m.room.power_levels"), insiderJoin!],
        depth: h.depth + 1,
      });
      const sent = await forge(insider, [["allowed message", ok]]);
      expect.soft(sent.pdus[ok.eventId], "the allowed message's result").toEqual({});
      const day = await readDay(hall);
      expect.soft(day.articles.get(ok.eventId)?.text ?? "(not shown)", "the allowed message on the day page").toContain("an allowed message from the insider");
    });

    // Attacks that pass the event's own auth events and the state before it, and fail only the
    // room's current state (soft failure), then one that merges such a fork back (state resolution).
    const create = sid(hall, "m.room.create");
    const levelsOf = () => ({ ...(hall.state.get("m.room.power_levels|")!.content as Record<string, unknown>) });
    const stateEventId = async (type: string, stateKey: string) => {
      hall.state = await stateOf(hall.roomId);
      const id = sid(hall, type, stateKey);
      await expect.poll(async () => visibleInStore(await report(hall.roomId), id), { ...POLL, message: `the archive holds ${type} ${id}` }).toBe(true);
      return id;
    };
    await attack("state reset: demoted, the insider forks from before its demotion and sets the topic with its old power, then merges the fork", async () => {
      const original = levelsOf();
      await alice.sendEvent(
        hall.roomId,
        "m.room.power_levels",
        { ...original, users: { ...(original.users as object), [insider.userId]: 50 } },
        { stateKey: "" },
      );
      const promoted = await stateEventId("m.room.power_levels", "");
      const beforeDemotion = await head(hall);
      await alice.sendEvent(hall.roomId, "m.room.power_levels", original, { stateKey: "" });
      const demoted = await stateEventId("m.room.power_levels", "");
      expect(demoted).not.toBe(promoted);
      const topic = insider.buildPdu({
        roomId: hall.roomId,
        roomVersion: V,
        type: "m.room.topic",
        stateKey: "",
        content: { topic: `${PWNED} topic of the demoted` },
        prevEvents: [beforeDemotion.eventId],
        authEvents: [create, promoted, insiderJoin!],
        depth: beforeDemotion.depth + 1,
      });
      const forked: Array<[string, BuiltPdu]> = [["topic with the power it had before its demotion", topic]];
      await forge(insider, forked);
      await expectRefused(hall.roomId, forked);
      // An allowed message whose prev_events join the real head and the forged topic: the state
      // before it is the resolution of both forks, which must keep the demotion and the real topic.
      const h = await head(hall);
      const merge = insider.buildPdu({
        roomId: hall.roomId,
        roomVersion: V,
        type: "m.room.message",
        content: { msgtype: "m.text", body: "a message that merges the fork" },
        prevEvents: [h.eventId, topic.eventId],
        authEvents: [create, demoted, insiderJoin!],
        depth: Math.max(h.depth, topic.pdu.depth as number) + 1,
      });
      await forge(insider, [["message merging the fork", merge]]);
      const { r } = await expectRoomIntact(hall, "after the state reset by the demoted insider");
      expectCurrentState(r, "m.room.topic", "", sid(hall, "m.room.topic"));
      expectCurrentState(r, "m.room.power_levels", "", demoted);
      await expectRefused(hall.roomId, forked);
    });

    await attack("banned, the insider posts from before its ban", async () => {
      const beforeBan = await head(hall);
      await alice.request("POST", `/_matrix/client/v3/rooms/${encodeURIComponent(hall.roomId)}/ban`, { user_id: insider.userId, reason: "attacker" });
      const ban = await stateEventId("m.room.member", insider.userId);
      expect(ban).not.toBe(insiderJoin);
      const forged: Array<[string, BuiltPdu]> = [
        [
          "message from before the ban",
          insider.buildPdu({
            roomId: hall.roomId,
            roomVersion: V,
            type: "m.room.message",
            content: { msgtype: "m.text", body: `${PWNED} still here after the ban` },
            prevEvents: [beforeBan.eventId],
            authEvents: [create, sid(hall, "m.room.power_levels"), insiderJoin!],
            depth: beforeBan.depth + 1,
          }),
        ],
      ];
      await forge(insider, forged);
      const day = await readDay(hall);
      expect.soft(day.articles.has(forged[0]![1].eventId), "the message from before the ban is on the day page").toBe(false);
      expect.soft(day.text.includes(PWNED), "a forged text is on the day page").toBe(false);
      await expectRefused(hall.roomId, forged);
      await expectRoomIntact(hall, "after the banned insider's message");
    });
  }

  await attack("every /send was answered 200 with a result per PDU (never a 5xx)", async () => {
    expect.soft(answers.length, "forged PDUs sent").toBeGreaterThan(20);
    expect.soft(answers.filter((a) => a.status !== 200).map((a) => `${a.label}: ${a.status}`)).toEqual([]);
    expect.soft(answers.filter((a) => a.result === "missing").map((a) => a.label)).toEqual([]);
  });

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const summary = {
    seconds,
    outsider: outsider?.serverName,
    insider: insider?.serverName,
    steps: outcomes,
    answers,
    askedOfOutsider: outsider?.requests,
    askedOfInsider: insider?.requests,
  };
  await testInfo.attach("attacks.json", { body: JSON.stringify(summary, null, 2), contentType: "application/json" });
  console.log(`[attacker] ${seconds} s`);
  for (const o of outcomes) console.log(`[attacker] ${o.ok ? "ok    " : "FAILED"} ${o.step}${o.ok ? "" : `\n           ${o.errors.join("\n           ")}`}`);
  for (const a of answers) console.log(`[attacker] answer ${a.phase} / ${a.label}: ${a.status} ${JSON.stringify(a.result)}`);
});

function sameDay(a: number, b: number): boolean {
  return new Date(a).toISOString().slice(0, 10) === new Date(b).toISOString().slice(0, 10);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** The text of an HTML fragment: tags and comments dropped, entities decoded, spaces collapsed. */
function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, "")
      .replace(/<script\b[\s\S]*?<\/script>/g, " ")
      .replace(/<[^>]+>/g, " "),
  )
    .replace(/\s+/g, " ")
    .trim();
}
