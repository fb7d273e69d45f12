import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { historyVisibilityAt, insertEvents } from "@/lib/timeline";
import { createRoom, makeEvent, testRedact } from "@/lib/timeline/testing/events";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const ROOM = "!vis:example.org";
const hv = (id: string, prev: string | null, depth: number, ts: number, value: string | null) => ({
  ...makeEvent(ROOM, { id, prevs: prev ? [prev] : [], depth, ts }),
  type: "m.room.history_visibility",
  stateKey: "",
  pdu: JSON.stringify({ event_id: id, type: "m.room.history_visibility", state_key: "", content: value === null ? {} : { history_visibility: value } }),
});
const msg = (id: string, prev: string, depth: number, ts: number) => makeEvent(ROOM, { id, prevs: [prev], depth, ts });

describe("historyVisibilityAt", () => {
  it("follows changes in timeline order, counting a change at its own place", async () => {
    await createRoom(db.prisma, ROOM);
    await insertEvents(db.prisma, {
      roomId: ROOM,
      arrival: { kind: "live" },
      redact: testRedact,
      events: [
        makeEvent(ROOM, { id: "$first", depth: 1, ts: 1000 }),
        hv("$shared", "$first", 2, 2000, "shared"),
        msg("$a", "$shared", 3, 3000),
        hv("$open", "$a", 4, 4000, "world_readable"),
        msg("$b", "$open", 5, 5000),
        hv("$empty", "$b", 6, 6000, null),
        msg("$c", "$empty", 7, 7000),
      ],
    });
    // Its timestamp falls between $b and $empty, but it arrived last and sits after $c: the
    // visibility where it sits applies, not the one of its timestamp.
    await insertEvents(db.prisma, { roomId: ROOM, arrival: { kind: "live" }, redact: testRedact, events: [msg("$late", "$a", 4, 5500)] });
    const at = await historyVisibilityAt(db.prisma, ROOM, ["$first", "$shared", "$a", "$open", "$b", "$c", "$late", "$nowhere"]);
    expect(Object.fromEntries(at)).toEqual({
      $first: null,
      $shared: "shared",
      $a: "shared",
      $open: "world_readable",
      $b: "world_readable",
      // A change without a value is the spec's default.
      $c: "shared",
      $late: "shared",
    });
    expect(await historyVisibilityAt(db.prisma, "!other:example.org", ["$a"])).toEqual(new Map());
  });
});
