import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listRooms } from "@/lib/archive/operator";
import { openJobQueue, queueName, type JobQueue } from "@/lib/jobs/queue";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

// `archive rooms` on a real database and queue: a room's jobs are found whether they name it by ID
// or by alias, and a join of a room the archive does not hold yet is listed with why it failed.

let db: TestDatabase;
let queue: JobQueue;
beforeAll(async () => {
  db = await createTestDatabase();
  queue = await openJobQueue(db, { supervise: false });
});
afterAll(async () => {
  await queue?.stop();
  await db?.close();
});

describe("listRooms", () => {
  it("lists held rooms with their jobs, and joins still waiting with their last error", async () => {
    await db.prisma.room.create({
      data: { roomId: "!held:example.org", canonicalAlias: "#held:example.org", roomVersion: "11", status: "joined", servers: [] },
    });
    await queue.enqueue("backfill", { roomId: "!held:example.org" });
    await queue.enqueue("join", { room: "#held:example.org" });
    const { id } = await queue.enqueue("join", { room: "#nowhere:example.net" });
    // Take both joins as a worker would, and fail the one for the unknown room as its handler does.
    const taken = await queue.boss.fetch(queueName("join"), { batchSize: 10 });
    expect(taken.map((j) => j.id)).toContain(id);
    await queue.boss.fail(queueName("join"), id, { message: "could not resolve #nowhere:example.net: no such alias" });

    const rooms = await listRooms({ db: db.prisma, queue });
    expect(rooms.map((r) => [r.roomId, r.status, r.jobs.map((j) => j.kind).sort()])).toEqual([
      ["!held:example.org", "joined", ["backfill", "join"]],
      ["#nowhere:example.net", "joining", ["join"]],
    ]);
    const waiting = rooms.find((r) => r.status === "joining")!;
    expect(waiting.alias).toBe("#nowhere:example.net");
    expect(waiting.jobs).toEqual([{ kind: "join", state: "retry" }]);
    expect(waiting.lastError).toBe("could not resolve #nowhere:example.net: no such alias");
    expect(rooms[0]!.lastError).toBeNull();
  });
});
