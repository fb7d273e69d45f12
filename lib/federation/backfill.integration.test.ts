import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { backfillRoom } from "@/lib/federation/backfill";
import { joinArchive } from "@/lib/ingest/testing/join-archive";
import { RoomBuilder } from "@/lib/ingest/testing/room-builder";
import type { JsonObject } from "@/lib/matrix/json-value";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

// backfillRoom against servers played by the test, on both databases, with real signed PDUs:
// an honest server answers /backfill as Synapse does (the events asked for and their ancestors,
// newest first, up to the limit); a hostile one answers full batches that never hold what was
// asked for. The one network call of a backfill is /backfill (and /event_auth, which the
// pipeline may make: nothing to give here).
const federation = vi.hoisted(() => ({
  answer: async (_server: string, _ids: readonly string[], _limit: number): Promise<JsonObject[]> => [],
  calls: [] as Array<{ server: string; ids: string[]; limit: number }>,
}));
vi.mock("@/lib/federation/client/endpoints", async (original) => ({
  ...(await original<typeof import("@/lib/federation/client/endpoints")>()),
  backfill: (server: string, _roomId: string, ids: readonly string[], limit: number) => {
    federation.calls.push({ server, ids: [...ids], limit });
    return federation.answer(server, ids, limit);
  },
  getEventAuth: async () => [],
}));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const ALICE = "@alice:hs1.test";
const BOB = "@bob:hs2.test";
const ARCHIVE = "@archive:localhost";

/** A public, world-readable room with alice and bob; the archive joins after `history` ran. */
async function roomWith(history: (room: RoomBuilder) => void) {
  const room = new RoomBuilder("11", ["hs1.test", "hs2.test", "localhost"]);
  await room.trustKeys(db.prisma);
  room.create(ALICE);
  room.join(ALICE);
  room.state("m.room.power_levels", "", { users: { [ALICE]: 100 } }, ALICE);
  room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
  room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
  room.join(BOB);
  const setup = [...room.pdus.keys()];
  history(room);
  const stateBefore = room.stateIds();
  const join = room.join(ARCHIVE);
  await joinArchive(db.prisma, room, { eventId: join, stateBefore, events: setup });
  await db.prisma.room.update({ where: { roomId: room.roomId }, data: { servers: ["hs1.test", "hs2.test"] } });
  const built = [...room.pdus.keys()].filter((id) => !setup.includes(id) && id !== join);
  return { room, history: built };
}

/** Synapse's /backfill: the events asked for and their ancestors, deepest first, at most `limit`. */
function honest(room: RoomBuilder) {
  return async (_server: string, ids: readonly string[], limit: number): Promise<JsonObject[]> => {
    const depth = (id: string) => Number(room.pdus.get(id)?.depth ?? -1);
    const queue = ids.filter((id) => room.pdus.has(id));
    const out: string[] = [];
    const seen = new Set(queue);
    while (queue.length > 0 && out.length < limit) {
      queue.sort((a, b) => depth(b) - depth(a));
      const id = queue.shift()!;
      out.push(id);
      for (const prev of room.pdu(id).prev_events as string[]) {
        if (!seen.has(prev)) {
          seen.add(prev);
          queue.push(prev);
        }
      }
    }
    return room.pduList(out);
  };
}

async function held(roomId: string, ids: readonly string[]): Promise<string[]> {
  const rows = await db.prisma.event.findMany({ where: { roomId, eventId: { in: [...ids] } }, select: { eventId: true } });
  return rows.map((r) => r.eventId);
}

describe("backfillRoom", () => {
  it("keeps asking for an old event a full answer of newer ones left out, and ends with all of history", async () => {
    // A side event off the start of a long run, merged at its end: after the merge, the frontier
    // holds an event of the run and the side event, far apart in depth.
    const { room, history } = await roomWith((r) => {
      const first = r.message(ALICE, "first");
      const side = r.message(BOB, "a side remark", { prevEvents: [first] });
      r.setTips([first]);
      for (let i = 0; i < 40; i++) r.message(ALICE, `run ${i}`);
      r.message(ALICE, "merged", { prevEvents: [...r.currentTips(), side] });
    });
    federation.calls = [];
    federation.answer = honest(room);
    const report = await backfillRoom(room.roomId, { db: db.prisma, batchSize: 10, serversAtOnce: 1 });
    expect(report.finished).toBe("complete");
    expect((await held(room.roomId, history)).length).toBe(history.length);
    expect(report.stored).toBe(history.length);
  });

  it("stops on a server whose full answers never hold what was asked for, after two requests, not at the request budget", async () => {
    const { room, history } = await roomWith((r) => {
      for (let i = 0; i < 30; i++) r.message(ALICE, `message ${i}`);
    });
    const create = room.pduList([...room.pdus.keys()].slice(0, 1));
    federation.calls = [];
    // As many events as asked for, every one already held: the create event over and over.
    federation.answer = async (_server, _ids, limit) => Array.from({ length: limit }, () => create[0]!);
    const report = await backfillRoom(room.roomId, { db: db.prisma, batchSize: 10, serversAtOnce: 1, maxRequests: 50 });
    expect(report.finished).toBe("no_progress");
    expect(report.stored).toBe(0);
    expect(federation.calls.length).toBeLessThanOrEqual(3);
    expect(await held(room.roomId, history)).toEqual([]);
  });

  it("asks both servers at once for the two branches of a forked history, each event once", async () => {
    const { room, history } = await roomWith((r) => {
      const root = r.message(ALICE, "before the fork");
      const a: string[] = [];
      const b: string[] = [];
      for (let i = 0; i < 25; i++) {
        r.setTips([a.at(-1) ?? root]);
        a.push(r.message(ALICE, `alice ${i}`));
        r.setTips([b.at(-1) ?? root]);
        b.push(r.message(BOB, `bob ${i}`));
      }
      r.message(ALICE, "merged", { prevEvents: [a.at(-1)!, b.at(-1)!] });
    });
    federation.calls = [];
    federation.answer = honest(room);
    const report = await backfillRoom(room.roomId, { db: db.prisma, batchSize: 10, serversAtOnce: 2, batchesInFlight: 1 });
    expect(report.finished).toBe("complete");
    expect((await held(room.roomId, history)).length).toBe(history.length);
    expect(report.byServer["hs1.test"]).toBeGreaterThan(0);
    expect(report.byServer["hs2.test"]).toBeGreaterThan(0);
    // The two branches' frontiers went out as parts, no event in two requests.
    expect(federation.calls.some((c) => c.server === "hs2.test")).toBe(true);
    const asked = federation.calls.flatMap((c) => c.ids);
    expect(new Set(asked).size).toBe(asked.length);
  });
});
