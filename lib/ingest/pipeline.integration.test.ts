import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LeaveOutcome, LeaveTarget } from "@/lib/federation/leave-room";
import { displayNamesAt } from "@/lib/ingest/display-names";
import { ingestPdus, type IngestInput } from "@/lib/ingest/pipeline";
import { joinArchive } from "@/lib/ingest/testing/join-archive";
import { RoomBuilder } from "@/lib/ingest/testing/room-builder";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

// The ingest pipeline on real signed PDUs, on both databases: authorization (auth events, the
// state before, soft-fail), current state from the resolved extremities, consent from resolved
// state only, overruled history and deferred rejection as deny items.

// The one network call the pipeline makes itself: /event_auth to the origin. Each test says what
// the "origin" answers; by default it has nothing to give.
const eventAuth = vi.hoisted(() => ({ answer: async (): Promise<unknown[]> => [] }));
vi.mock("@/lib/federation/client/endpoints", async (original) => ({
  ...(await original<typeof import("@/lib/federation/client/endpoints")>()),
  getEventAuth: () => eventAuth.answer(),
}));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const ALICE = "@alice:hs1.test";
const BOB = "@bob:hs2.test";
const CAROL = "@carol:hs2.test";
const MALLORY = "@mallory:evil.test";
// The archive's own user (ARCHIVE_SERVER_NAME defaults to localhost).
const ARCHIVE = "@archive:localhost";

function leaveStub() {
  const calls: LeaveTarget[] = [];
  const leave = async (target: LeaveTarget): Promise<LeaveOutcome> => {
    calls.push(target);
    return { left: true, server: target.servers[0]!, eventId: "$leave", attempts: 1 };
  };
  return { calls, options: { leave, waitForLeave: true, sweepDelaysMs: [] } };
}

/** A public, world-readable room: alice (PL 100) on hs1, bob (PL 50) and carol on hs2, named "Lobby". */
async function lobby(version = "10") {
  const room = new RoomBuilder(version, ["hs1.test", "hs2.test", "evil.test", "localhost"]);
  await room.trustKeys(db.prisma);
  room.create(ALICE);
  room.join(ALICE);
  const pl0 = room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50 }, users_default: 0, state_default: 50, events_default: 0 }, ALICE);
  room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
  room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
  room.state("m.room.name", "", { name: "Lobby" }, ALICE);
  room.state("m.room.canonical_alias", "", { alias: "#lobby:hs1.test" }, ALICE);
  room.join(BOB, { displayname: "Bob" });
  room.join(CAROL);
  const hello = room.message(ALICE, "hello");
  const stateBefore = room.stateIds();
  const all = [...room.pdus.keys()];
  const join = room.join(ARCHIVE);
  const report = await joinArchive(db.prisma, room, { eventId: join, stateBefore, events: all });
  expect(report.rejected).toBe(0);
  return { room, pl0, hello, join };
}

const send = (room: RoomBuilder, ids: string[], origin = "hs1.test", extra: Partial<IngestInput> = {}) =>
  ingestPdus({ roomId: room.roomId, pdus: room.pduList(ids), source: "send", arrival: { kind: "live" }, origin, edge: true, ...extra }, db.prisma);

const roomRow = (room: RoomBuilder) => db.prisma.room.findUniqueOrThrow({ where: { roomId: room.roomId } });
const eventRow = (id: string) => db.prisma.event.findUnique({ where: { eventId: id } });
const placed = async (id: string) => (await db.prisma.timelineItem.count({ where: { eventId: id } })) === 1;

describe("joining", () => {
  it("takes the room's summary and servers from the resolved state", async () => {
    const { room } = await lobby();
    const row = await roomRow(room);
    expect(row).toMatchObject({ name: "Lobby", historyVisibility: "world_readable", joinRule: "public", canonicalAlias: "#lobby:hs1.test", status: "joined" });
    // Two members on hs2, one on hs1; never our own server.
    expect(row.servers).toEqual(["hs2.test", "hs1.test"]);
    expect(row.currentStateGroup).not.toBeNull();
  });
});

describe("a server that never joined", () => {
  it("cannot purge the room with a history_visibility at a huge depth or a far-future time", async () => {
    const { room } = await lobby();
    const forge = (depth: number, ts: number) =>
      room.event({ type: "m.room.history_visibility", stateKey: "", sender: MALLORY, content: { history_visibility: "joined" }, depth, ts, advance: false });
    const deep = forge(2 ** 40, Date.now() + 86_400_000);
    const report = await send(room, [deep], "evil.test");
    expect(report.outcomes).toEqual([expect.objectContaining({ eventId: deep, status: "rejected" })]);
    // Past its key's validity: not even verified, so not stored.
    const future = forge(2 ** 40, Date.now() + 10 * 365 * 86_400_000);
    const late = await send(room, [future], "evil.test");
    expect(late.inserted).toEqual([]);
    expect(await eventRow(future)).toBeNull();
    const row = await roomRow(room);
    expect(row).toMatchObject({ status: "joined", historyVisibility: "world_readable", name: "Lobby" });
    expect(await db.prisma.event.count({ where: { roomId: room.roomId, rejectedReason: null } })).toBeGreaterThan(10);
    expect(await placed(deep)).toBe(false);
    expect(row.servers).not.toContain("evil.test");
  });

  it("cannot post, rename the room or others, set join rules, ACLs, aliases or power", async () => {
    const { room } = await lobby();
    const forge = (type: string, stateKey: string | undefined, content: Record<string, unknown>) =>
      room.event({ type, stateKey, sender: MALLORY, content: content as never, advance: false });
    const attacks = [
      forge("m.room.message", undefined, { msgtype: "m.text", body: "spam" }),
      forge("m.room.name", "", { name: "pwned" }),
      forge("m.room.member", BOB, { membership: "join", displayname: "pwned" }),
      forge("m.room.join_rules", "", { join_rule: "invite" }),
      forge("m.room.server_acl", "", { allow: ["evil.test"], deny: ["hs1.test", "hs2.test"] }),
      forge("m.room.canonical_alias", "", { alias: "#other:hs1.test" }),
      forge("m.room.power_levels", "", { users: { [MALLORY]: 100 } }),
    ];
    const report = await send(room, attacks, "evil.test");
    expect(report.outcomes.map((o) => o.status)).toEqual(attacks.map(() => "rejected"));
    const row = await roomRow(room);
    expect(row).toMatchObject({ name: "Lobby", joinRule: "public", canonicalAlias: "#lobby:hs1.test", serverAcl: null });
    // Real servers are still accepted, and bob's name is his own.
    const later = room.message(BOB, "still here");
    expect((await send(room, [later], "hs2.test")).outcomes).toEqual([expect.objectContaining({ status: "stored" })]);
    expect((await displayNamesAt(db.prisma, room.roomId, [{ eventId: later, sender: BOB }])).get(BOB)).toBe("Bob");
  });
});

describe("a server that joined without power", () => {
  it("cannot change state, and its redaction of another server's message is stored but not applied", async () => {
    const { room, hello } = await lobby();
    const join = room.join(MALLORY);
    expect((await send(room, [join], "evil.test")).outcomes[0]).toMatchObject({ status: "stored" });
    const rename = room.event({ type: "m.room.name", stateKey: "", sender: MALLORY, content: { name: "pwned" }, advance: false });
    const acl = room.event({ type: "m.room.server_acl", stateKey: "", sender: MALLORY, content: { allow: ["evil.test"] }, advance: false });
    const redaction = room.event({ type: "m.room.redaction", sender: MALLORY, content: {}, redacts: hello });
    const report = await send(room, [rename, acl, redaction], "evil.test");
    expect(report.outcomes.find((o) => o.eventId === rename)?.status).toBe("rejected");
    expect(report.outcomes.find((o) => o.eventId === acl)?.status).toBe("rejected");
    expect(report.outcomes.find((o) => o.eventId === redaction)?.status).toBe("stored");
    expect((await eventRow(hello))?.redacted).toBe(false);
    expect((await roomRow(room)).name).toBe("Lobby");
  });

  it("cannot take power by pointing prev_events at the room's start (a state reset)", async () => {
    const { room } = await lobby();
    const join = room.join(MALLORY);
    await send(room, [join], "evil.test");
    const createId = [...room.pdus.keys()][0]!;
    // Cites only the create event and its own join: no power levels event, where state_default is 0.
    const reset = room.event({
      type: "m.room.power_levels",
      stateKey: "",
      sender: MALLORY,
      content: { users: { [MALLORY]: 100 } },
      prevEvents: [createId],
      authEvents: room.version.roomIdFromCreateEvent ? [join] : [createId, join],
      advance: false,
    });
    const report = await send(room, [reset], "evil.test");
    expect(report.outcomes[0]).toMatchObject({ status: "rejected" });
    expect(report.outcomes[0]?.reason).toMatch(/state before it|auth events/);
  });
});

describe("soft failure", () => {
  it("keeps an event the current state no longer allows out of the state and the timeline", async () => {
    const { room, pl0 } = await lobby();
    const beforeDemotion = room.currentTips();
    const demote = room.state("m.room.power_levels", "", { users: { [ALICE]: 100 }, users_default: 0, state_default: 50 }, ALICE);
    await send(room, [demote]);
    // Bob renames from a branch before his demotion: allowed there, not by the room's state now.
    const rename = room.event({
      type: "m.room.name",
      stateKey: "",
      sender: BOB,
      content: { name: "Bob's room" },
      prevEvents: beforeDemotion,
      authEvents: room.authIdsAt(BOB, pl0),
      advance: false,
    });
    const report = await send(room, [rename], "hs2.test");
    expect(report.outcomes[0]).toMatchObject({ status: "soft_failed" });
    expect((await roomRow(room)).name).toBe("Lobby");
    expect(await placed(rename)).toBe(false);
    expect((await eventRow(rename))?.softFailedReason).toMatch(/current state/);
  });

  it("an event after a soft-failed one replaces the extremity before it too", async () => {
    const { room, pl0 } = await lobby();
    const split = room.currentTips();
    const demote = room.event({
      type: "m.room.power_levels",
      stateKey: "",
      sender: ALICE,
      content: { users: { [ALICE]: 100 }, users_default: 0, state_default: 50 },
      prevEvents: split,
      authEvents: room.authIdsAt(ALICE, pl0),
      advance: false,
    });
    await send(room, [demote]);
    // Bob's branch: a message, a rename his demotion now forbids, and a message after it.
    const before = room.message(BOB, "on my side", { prevEvents: split });
    await send(room, [before], "hs2.test");
    const rename = room.event({
      type: "m.room.name",
      stateKey: "",
      sender: BOB,
      content: { name: "Bob's room" },
      prevEvents: [before],
      authEvents: room.authIdsAt(BOB, pl0),
    });
    expect((await send(room, [rename], "hs2.test")).outcomes[0]).toMatchObject({ status: "soft_failed" });
    const after = room.message(BOB, "after the rename", { prevEvents: [rename] });
    expect((await send(room, [after], "hs2.test")).outcomes[0]).toMatchObject({ status: "stored" });
    const edge = (await db.prisma.forwardExtremity.findMany({ where: { roomId: room.roomId } })).map((e) => e.eventId).sort();
    expect(edge).toEqual([demote, after].sort());
    expect((await roomRow(room)).name).toBe("Lobby");
  });
});

describe("consent comes from resolved state only", () => {
  it("a real change to shared purges and leaves the room", async () => {
    const { room } = await lobby();
    const change = room.state("m.room.history_visibility", "", { history_visibility: "shared" }, ALICE);
    const stub = leaveStub();
    const report = await send(room, [change], "hs1.test", { stopOptions: stub.options });
    expect(report.purged).toBe(true);
    const row = await roomRow(room);
    expect(row.status).toBe("purged");
    expect(row.purgeReason).toContain("history_visibility became shared");
    expect(await db.prisma.event.count({ where: { roomId: room.roomId } })).toBe(0);
    expect(await db.prisma.stateGroup.count({ where: { roomId: room.roomId } })).toBe(0);
    expect(stub.calls).toHaveLength(1);
    // A writer that comes later cannot bring rows back.
    const late = room.message(ALICE, "after");
    const after = await send(room, [late]);
    expect(after.inserted).toEqual([]);
    expect(await db.prisma.event.count({ where: { roomId: room.roomId } })).toBe(0);
  });

  it("an older change to shared that arrives late by backfill changes nothing", async () => {
    const room = new RoomBuilder("10", ["hs1.test", "localhost"]);
    await room.trustKeys(db.prisma);
    room.create(ALICE);
    room.join(ALICE);
    room.state("m.room.power_levels", "", { users: { [ALICE]: 100 } }, ALICE);
    room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
    const shared = room.state("m.room.history_visibility", "", { history_visibility: "shared" }, ALICE);
    const readable = room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
    const stateBefore = room.stateIds();
    const join = room.join(ARCHIVE);
    await joinArchive(db.prisma, room, { eventId: join, stateBefore, events: stateBefore.filter((id) => id !== shared) });
    const report = await ingestPdus(
      { roomId: room.roomId, pdus: room.pduList([shared]), source: "backfill", arrival: { kind: "backfill", before: readable }, skipCountLimits: true },
      db.prisma,
    );
    expect(report.inserted).toEqual([shared]);
    expect(await roomRow(room)).toMatchObject({ status: "joined", historyVisibility: "world_readable" });
  });

  it("a kick of the archive's user purges the room", async () => {
    const { room } = await lobby();
    const kick = room.state("m.room.member", ARCHIVE, { membership: "leave" }, ALICE);
    const stub = leaveStub();
    const report = await send(room, [kick], "hs1.test", { stopOptions: stub.options });
    expect(report.purged).toBe(true);
    expect((await roomRow(room)).purgeReason).toMatch(/membership/);
  });
});

describe("overruled history", () => {
  it("marks a rename and a kick that resolution leaves out, in place, with denial items", async () => {
    const { room, pl0 } = await lobby();
    const split = room.currentTips();
    // hs2's side, seen first: bob (PL 50) renames the room and kicks carol.
    const rename = room.event({ type: "m.room.name", stateKey: "", sender: BOB, content: { name: "Bob's room" }, prevEvents: split });
    const kick = room.event({ type: "m.room.member", stateKey: CAROL, sender: BOB, content: { membership: "leave" }, prevEvents: [rename] });
    await send(room, [rename, kick], "hs2.test");
    expect((await roomRow(room)).name).toBe("Bob's room");
    // hs1's side, concurrently: alice demotes bob.
    const demote = room.event({
      type: "m.room.power_levels",
      stateKey: "",
      sender: ALICE,
      content: { users: { [ALICE]: 100 }, users_default: 0, state_default: 50 },
      prevEvents: split,
      authEvents: room.authIdsAt(ALICE, pl0),
    });
    await send(room, [demote], "hs1.test");
    const row = await roomRow(room);
    expect(row.name).toBe("Lobby");
    expect((await eventRow(rename))?.overruledReason).toMatch(/renamed the room to “Bob's room”; the room's name is “Lobby”/);
    expect((await eventRow(kick))?.overruledReason).toMatch(/kick of @carol:hs2.test; @carol:hs2.test.s membership is join/);
    expect(await placed(rename)).toBe(true);
    const denials = await db.prisma.timelineItem.findMany({ where: { roomId: room.roomId, kind: "denial" }, orderBy: { position: "asc" } });
    expect(denials.map((d) => d.deniedEventId).sort()).toEqual([rename, kick].sort());
    // The denials come after everything readers had seen.
    const last = await db.prisma.timelineItem.findFirst({ where: { eventId: kick }, select: { position: true } });
    expect(denials.every((d) => d.position > last!.position)).toBe(true);
  });
});

describe("a hole at the room's edge", () => {
  it("the current state follows pushed events once the history between them and the old edge is filled", async () => {
    const { room } = await lobby();
    // While the archive was cut off: a rename and messages it never got.
    const missed = [room.state("m.room.name", "", { name: "Renamed" }, ALICE), room.message(ALICE, "m1"), room.message(ALICE, "m2")];
    const pushed = room.message(ALICE, "after the split");
    const live = await send(room, [pushed]);
    expect(live.outcomes[0]).toMatchObject({ status: "stored" });
    // Its state is not known yet: the room's state stays what it was.
    expect((await roomRow(room)).name).toBe("Lobby");
    const filled = await ingestPdus(
      { roomId: room.roomId, pdus: room.pduList(missed), source: "backfill", arrival: { kind: "backfill", before: pushed }, skipCountLimits: true },
      db.prisma,
    );
    expect(filled.inserted).toHaveLength(3);
    expect((await roomRow(room)).name).toBe("Renamed");
    expect((await db.prisma.forwardExtremity.findMany({ where: { roomId: room.roomId } })).map((e) => e.eventId)).toEqual([pushed]);
  });
});

describe("deferred state checks", () => {
  it("denies a backfilled event once the history before it shows it was not allowed", async () => {
    const room = new RoomBuilder("10", ["hs1.test", "hs2.test", "localhost"]);
    await room.trustKeys(db.prisma);
    room.create(ALICE);
    room.join(ALICE);
    const p1 = room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [BOB]: 50 }, state_default: 50 }, ALICE);
    room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
    room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
    room.join(BOB);
    const early = [room.message(ALICE, "m1"), room.message(ALICE, "m2"), room.message(ALICE, "m3")];
    room.state("m.room.power_levels", "", { users: { [ALICE]: 100 }, state_default: 50 }, ALICE);
    const m4 = room.message(ALICE, "m4");
    // Bob cites his old power level as an auth event, after his demotion.
    const forged = room.event({
      type: "m.room.name",
      stateKey: "",
      sender: BOB,
      content: { name: "mine" },
      authEvents: room.authIdsAt(BOB, p1),
      advance: false,
    });
    const m5 = room.message(ALICE, "m5", { prevEvents: [forged, m4] });
    const stateBefore = room.stateIds();
    const join = room.join(ARCHIVE);
    const authChain = [...room.pdus.keys()].filter((id) => room.pdu(id).state_key !== undefined && id !== join && id !== forged);
    await joinArchive(db.prisma, room, { eventId: join, stateBefore, events: authChain });
    // Newest history first, as /backfill gives it: the forged rename is shown until its past is known.
    const first = await ingestPdus(
      { roomId: room.roomId, pdus: room.pduList([m5, forged, m4]), source: "backfill", arrival: { kind: "backfill", before: join }, skipCountLimits: true },
      db.prisma,
    );
    expect(first.inserted).toContain(forged);
    expect((await eventRow(forged))?.deniedReason).toBeNull();
    const second = await ingestPdus(
      { roomId: room.roomId, pdus: room.pduList(early), source: "backfill", arrival: { kind: "backfill", before: m4 }, skipCountLimits: true },
      db.prisma,
    );
    expect(second.deniedLater).toEqual([forged]);
    expect((await eventRow(forged))?.deniedReason).toMatch(/Rejected once the history before it was known/);
    expect(await db.prisma.timelineItem.count({ where: { kind: "denial", deniedEventId: forged } })).toBe(1);
    expect((await roomRow(room)).name).toBeNull();
  });
});

describe("missing auth events from a server that lies or fails", () => {
  it("leaves the event unavailable (not stored, not rejected) when the origin answers garbage, errors or forged events", async () => {
    const { room } = await lobby();
    // An event citing an auth event the archive never saw (a join it was not sent).
    const unseenJoin = room.event({ type: "m.room.member", stateKey: "@dave:hs2.test", sender: "@dave:hs2.test", content: { membership: "join" } });
    const message = room.message("@dave:hs2.test", "from dave");
    const answers: Array<() => Promise<unknown[]>> = [
      async () => [{ not: "a pdu" }, 42, null] as unknown[],
      async () => Promise.reject(new Error("connection reset")),
      // A forged copy of the join: its signature does not verify.
      async () => [{ ...room.pdu(unseenJoin), origin_server_ts: 1 }],
    ];
    for (const answer of answers) {
      eventAuth.answer = answer;
      const report = await send(room, [message], "hs2.test");
      expect(report.outcomes).toEqual([expect.objectContaining({ eventId: message, status: "unavailable" })]);
      expect(await eventRow(message)).toBeNull();
    }
    // The truth arrives: with its auth chain the message is judged, and the room's state merged
    // with the message's branch (which has dave joined) allows it.
    eventAuth.answer = async () => [room.pdu(unseenJoin)];
    const report = await send(room, [message], "hs2.test");
    expect(report.outcomes).toEqual([expect.objectContaining({ eventId: message, status: "stored" })]);
    expect((await eventRow(unseenJoin))?.rejectedReason).toBeNull();
    eventAuth.answer = async () => [];
  });
});
