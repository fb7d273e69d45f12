import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

describe("database", () => {
  it("runs without JIT on a Postgres server (short statements never pay for compiling)", async () => {
    const rows = await db.prisma.$queryRawUnsafe<{ jit?: string }[]>("SELECT current_setting('jit', true) AS jit");
    // PGlite is built without a JIT provider: its default "on" compiles nothing.
    expect(rows[0]?.jit).toBe(db.kind === "postgres" ? "off" : "on");
  });

  it("stores and reads back rooms and events through Prisma", async () => {
    await db.prisma.room.create({ data: { roomId: "!a:example.org", roomVersion: "11" } });
    const big = 9007199254740993n; // beyond 2^53: must survive as BigInt
    await db.prisma.event.create({
      data: {
        eventId: "$e1",
        roomId: "!a:example.org",
        type: "m.room.message",
        sender: "@u:example.org",
        originServerTs: 1700000000000n,
        depth: big,
        prevEvents: ["$p1", "$p2"],
        authEvents: [],
        pdu: "{}",
        source: "send",
      },
    });
    const e = await db.prisma.event.findUniqueOrThrow({ where: { eventId: "$e1" } });
    expect(e.depth).toBe(big);
    expect(e.prevEvents).toEqual(["$p1", "$p2"]);
    const successors = await db.prisma.event.findMany({ where: { prevEvents: { has: "$p2" } } });
    expect(successors.map((s) => s.eventId)).toEqual(["$e1"]);
  });

  it("re-running migrations applies nothing", async () => {
    expect(await db.migrate()).toEqual([]);
  });
});
