import { describe, expect, it } from "vitest";
import { listRooms } from "@/lib/archive/operator";
import { queueName } from "@/lib/jobs/queue";
import { openTestQueue } from "@/lib/testing/job-queue";

// `archive rooms` on a real database and queue: a room's jobs are found whether they name it by ID
// or by alias, and a join of a room the archive does not hold yet is listed with why it failed.

const t = openTestQueue();

describe("listRooms", () => {
  it("lists held rooms with their jobs, and joins still waiting with their last error", async () => {
    await t.db.prisma.room.create({
      data: { roomId: "!held:example.org", canonicalAlias: "#held:example.org", roomVersion: "11", status: "joined", servers: [] },
    });
    await t.queue.enqueue("backfill", { roomId: "!held:example.org" });
    await t.queue.enqueue("join", { room: "#held:example.org" });
    const { id } = await t.queue.enqueue("join", { room: "#nowhere:example.net" });
    // Take both joins as a worker would, and fail the one for the unknown room as its handler does.
    const taken = await t.queue.boss.fetch(queueName("join"), { batchSize: 10 });
    expect(taken.map((j) => j.id)).toContain(id);
    await t.queue.boss.fail(queueName("join"), id, { message: "could not resolve #nowhere:example.net: no such alias" });

    const rooms = await listRooms({ db: t.db.prisma, queue: t.queue });
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
