import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isServable } from "@/lib/archive/room-access";
import type { LeaveOutcome, LeaveTarget } from "@/lib/federation/leave-room";
import { sweepPurgedRoom } from "@/lib/federation/purge-room";
import { applyStateAfterFill, applyStateToRoom } from "@/lib/federation/room-state";
import { storeVerified } from "@/lib/federation/store-events";
import type { AcceptedPdu } from "@/lib/federation/verify-batch";
import type { JsonObject } from "@/lib/matrix/json-value";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import type { Arrival } from "@/lib/timeline";

// Consent (design.md "Visibility and consent"): a joined room whose current history visibility
// stops being world_readable loses its stored history in one go, is marked purged with the
// reason, and is left; an older change that only arrives late changes nothing.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const T0 = 1_700_000_000_000;

function pdu(roomId: string, id: string, depth: number, prev: string[], fields: JsonObject): AcceptedPdu {
  return {
    status: "accepted",
    eventId: id,
    redacted: false,
    pdu: { room_id: roomId, sender: "@admin:hs.example", origin_server_ts: T0 + depth * 1000, depth, prev_events: prev, auth_events: [], ...fields },
  };
}
const message = (roomId: string, id: string, depth: number, prev: string[]) =>
  pdu(roomId, id, depth, prev, { type: "m.room.message", content: { msgtype: "m.text", body: id } });
const visibility = (roomId: string, id: string, depth: number, prev: string[], value: string) =>
  pdu(roomId, id, depth, prev, { type: "m.room.history_visibility", state_key: "", content: { history_visibility: value } });

async function joinedRoom(roomId: string): Promise<void> {
  await db.prisma.room.create({
    data: {
      roomId,
      roomVersion: "11",
      historyVisibility: "world_readable",
      topic: "Talk",
      name: "Room",
      status: "joined",
      servers: ["hs.example", "other.example"],
      joinedAt: new Date(),
    },
  });
  // create → world_readable → three messages
  const events = [
    pdu(roomId, `$create${roomId}`, 1, [], { type: "m.room.create", state_key: "", content: { room_version: "11" } }),
    visibility(roomId, `$wr${roomId}`, 2, [`$create${roomId}`], "world_readable"),
    message(roomId, `$m3${roomId}`, 3, [`$wr${roomId}`]),
    message(roomId, `$m4${roomId}`, 4, [`$m3${roomId}`]),
    message(roomId, `$m5${roomId}`, 5, [`$m4${roomId}`]),
  ];
  await store(roomId, events, { kind: "live" });
}

async function store(roomId: string, events: AcceptedPdu[], arrival: Arrival) {
  return storeVerified(db.prisma, { roomId, roomVersion: "11" }, events, arrival, arrival.kind === "backfill" ? "backfill" : "send");
}

function leaveStub() {
  const calls: LeaveTarget[] = [];
  const leave = async (target: LeaveTarget): Promise<LeaveOutcome> => {
    calls.push(target);
    return { left: true, server: target.servers[0]!, eventId: "$leave", attempts: 1 };
  };
  return { calls, options: { leave, waitForLeave: true, sweepDelaysMs: [] } };
}

const counts = async (roomId: string) => ({
  events: await db.prisma.event.count({ where: { roomId } }),
  items: await db.prisma.timelineItem.count({ where: { roomId } }),
});

describe("a joined room that stops being world_readable", () => {
  it("is purged (events and timeline, gaps included), marked with when and why, and left", async () => {
    const roomId = "!purge:hs.example";
    await joinedRoom(roomId);
    // A gap too: a message whose prev_event is unknown.
    await store(roomId, [message(roomId, "$m7", 7, ["$m6-unknown"])], { kind: "live" });
    expect((await counts(roomId)).events).toBe(6);
    expect(await db.prisma.timelineItem.count({ where: { roomId, kind: "gap" } })).toBeGreaterThan(0);

    const change = visibility(roomId, "$shared", 8, ["$m7"], "shared");
    await store(roomId, [change], { kind: "live" });
    const stub = leaveStub();
    const before = Date.now();
    const changed = await applyStateToRoom(db.prisma, roomId, [change], stub.options);

    expect(changed).toBe("shared");
    expect(await counts(roomId)).toEqual({ events: 0, items: 0 });
    const room = await db.prisma.room.findUniqueOrThrow({ where: { roomId } });
    expect(room).toMatchObject({ status: "purged", historyVisibility: "shared", name: "Room", topic: null });
    expect(room.purgedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(room.purgeReason).toContain("history_visibility became shared");
    expect(room.purgeReason).toContain("$shared");
    expect(room.purgeReason).toContain("@admin:hs.example");
    expect(isServable(room, [])).toBe(false);
    // The server that made the change is asked first: it is surely in the room.
    expect(stub.calls).toEqual([{ roomId, roomVersion: "11", servers: ["hs.example", "other.example"] }]);

    // A second trigger (a retried transaction) does not purge or leave again.
    await applyStateToRoom(db.prisma, roomId, [change], stub.options);
    expect(stub.calls).toHaveLength(1);
  });

  it("is purged when the change was stored by another path and the triggering batch is only a message", async () => {
    const roomId = "!missing:hs.example";
    await joinedRoom(roomId);
    // As /send stores what get_missing_events returned before the pushed message itself.
    await storeVerified(
      db.prisma,
      { roomId, roomVersion: "11" },
      [visibility(roomId, "$joined-only", 6, [`$m5${roomId}`], "joined")],
      { kind: "live" },
      "missing",
    );
    const pushed = message(roomId, "$after", 7, ["$joined-only"]);
    await store(roomId, [pushed], { kind: "live" });
    const stub = leaveStub();
    await applyStateToRoom(db.prisma, roomId, [pushed], stub.options);
    expect(await counts(roomId)).toEqual({ events: 0, items: 0 });
    expect((await db.prisma.room.findUniqueOrThrow({ where: { roomId } })).status).toBe("purged");
    expect(stub.calls).toHaveLength(1);
  });

  it("is purged when a fill path (here a forwards fill) stores the change, and not for a fill of messages only", async () => {
    const roomId = "!filled:hs.example";
    await joinedRoom(roomId);
    const stub = leaveStub();
    const messages = [message(roomId, "$f6", 6, [`$m5${roomId}`])];
    const first = await store(roomId, messages, { kind: "forwards", after: `$m5${roomId}` });
    await applyStateAfterFill(db.prisma, roomId, messages, first.inserted, stub.options);
    expect(stub.calls).toHaveLength(0);
    expect((await db.prisma.room.findUniqueOrThrow({ where: { roomId } })).status).toBe("joined");

    const change = [visibility(roomId, "$f7", 7, ["$f6"], "joined")];
    const second = await store(roomId, change, { kind: "forwards", after: "$f6" });
    await applyStateAfterFill(db.prisma, roomId, change, second.inserted, stub.options);
    expect(stub.calls).toHaveLength(1);
    expect(await counts(roomId)).toEqual({ events: 0, items: 0 });
    expect((await db.prisma.room.findUniqueOrThrow({ where: { roomId } })).status).toBe("purged");
  });

  it("keeps its history purged when a writer stores after the purge, and a failed leave keeps nothing", async () => {
    const roomId = "!straggler:hs.example";
    await joinedRoom(roomId);
    const change = visibility(roomId, "$invited", 6, [`$m5${roomId}`], "invited");
    await store(roomId, [change], { kind: "live" });
    const failing = async (): Promise<LeaveOutcome> => {
      // A backfill batch that was past its status check lands while the leave is under way.
      await store(roomId, [message(roomId, "$late-batch", 9, ["$gone"])], { kind: "live" });
      throw new Error("no server answered make_leave");
    };
    const stopped = await applyStateToRoom(db.prisma, roomId, [change], { leave: failing, waitForLeave: true, sweepDelaysMs: [] });
    expect(stopped).toBe("invited");
    // The sweep after the (failed) leave deleted the straggler.
    expect(await counts(roomId)).toEqual({ events: 0, items: 0 });
    expect((await db.prisma.room.findUniqueOrThrow({ where: { roomId } })).status).toBe("purged");

    // A re-joined room is not swept.
    await db.prisma.room.update({ where: { roomId }, data: { status: "joined", historyVisibility: "world_readable" } });
    await store(roomId, [message(roomId, "$rejoined", 20, [])], { kind: "live" });
    expect(await sweepPurgedRoom(db.prisma, roomId)).toBeUndefined();
    expect((await counts(roomId)).events).toBe(1);
  });
});

describe("an older visibility change that arrives late", () => {
  it("by backfill: nothing is purged and the row keeps the current visibility", async () => {
    const roomId = "!late:hs.example";
    await joinedRoom(roomId);
    // The current state: world_readable again at depth 10, after messages.
    const current = visibility(roomId, "$wr-again", 10, [`$m5${roomId}`], "world_readable");
    await store(roomId, [current], { kind: "live" });
    // An older "shared" (depth 1.5 in spirit: before the messages) reaches the archive by backfill.
    const old = visibility(roomId, "$old-shared", 2, [`$create${roomId}`], "shared");
    await store(roomId, [old], { kind: "backfill", before: `$m3${roomId}` });
    const stub = leaveStub();
    const changed = await applyStateToRoom(db.prisma, roomId, [old], stub.options);

    expect(changed).toBeUndefined();
    expect(stub.calls).toEqual([]);
    expect((await counts(roomId)).events).toBe(7);
    const room = await db.prisma.room.findUniqueOrThrow({ where: { roomId } });
    expect(room).toMatchObject({ status: "joined", historyVisibility: "world_readable", purgedAt: null, purgeReason: null });
  });

  it("pushed late through /send (a retried old transaction): nothing is purged either", async () => {
    const roomId = "!retried:hs.example";
    await joinedRoom(roomId);
    const newer = visibility(roomId, "$wr-newer", 8, [`$m5${roomId}`], "world_readable");
    await store(roomId, [newer], { kind: "live" });
    const older = visibility(roomId, "$joined-older", 6, [`$m5${roomId}`], "joined");
    await store(roomId, [older], { kind: "live" });
    const stub = leaveStub();
    expect(await applyStateToRoom(db.prisma, roomId, [older], stub.options)).toBeUndefined();
    expect(stub.calls).toEqual([]);
    expect((await db.prisma.room.findUniqueOrThrow({ where: { roomId } })).status).toBe("joined");
    expect((await counts(roomId)).events).toBe(7);
  });
});
