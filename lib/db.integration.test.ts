import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/lib/db";
import { createTestDatabase, TEST_POSTGRES_URL, type TestDatabase } from "@/lib/testing/database";

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

  it("runs the app's statements as named prepared statements on Postgres, and none when turned off", async ({ skip }) => {
    if (db.kind !== "postgres") skip();
    // One transaction is one connection, whose session holds what it prepared.
    const probe = (prisma: Db) =>
      prisma.$transaction(async (tx) => {
        for (let i = 0; i < 7; i++) await tx.$queryRaw`SELECT room_version AS probed FROM rooms WHERE room_id = ${"!a:example.org"}`;
        return tx.$queryRaw<{ name: string; runs: number; generic: number }[]>`
          SELECT name, (generic_plans + custom_plans)::int AS runs, generic_plans::int AS generic
          FROM pg_prepared_statements WHERE statement LIKE '%AS probed FROM%' AND statement NOT LIKE '%pg_prepared_statements%'`;
      });
    // The test database, as every integration test file opens it: named statements are the default.
    const named = await probe(db.prisma);
    expect(named).toHaveLength(1);
    expect(named[0]!.name).toMatch(/^archive_\d+$/);
    expect(named[0]!.runs).toBeGreaterThanOrEqual(7);
    // Past five runs Postgres tried the generic plan, and kept it: the statement is a key lookup.
    expect(named[0]!.generic).toBeGreaterThan(0);

    // A script stays unnamed, so it still runs as one simple query (a named one takes one command).
    await expect(db.prisma.$executeRawUnsafe("SELECT 1; SELECT 2")).resolves.toBeDefined();

    const [current] = await db.prisma.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${current!.name}`;
    const unnamed = openDatabase({ url: url.toString(), preparedStatements: false });
    try {
      expect(await probe(unnamed.prisma)).toEqual([]);
      const all = await unnamed.prisma.$transaction(async (tx) => {
        await tx.room.count();
        return tx.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_prepared_statements`;
      });
      expect(all).toEqual([{ n: 0 }]);
    } finally {
      await unnamed.close();
    }
  });

  it("re-running migrations applies nothing", async () => {
    expect(await db.migrate()).toEqual([]);
  });
});
