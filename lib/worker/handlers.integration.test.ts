import { describe, expect, it } from "vitest";
import { openTestQueue } from "@/lib/testing/job-queue";
import { HANDLERS } from "@/lib/worker/handlers";

// The jobs' handlers on a real database and queue: the ones that only plan other jobs.

const t = openTestQueue();

describe("catch-up-all", () => {
  it("queues a catch-up for the joined rooms joined before the request, not for those joined since or not joined", async () => {
    const asked = Date.parse("2026-12-02T06:00:00Z");
    const room = (roomId: string, status: string, joinedAt: string) =>
      t.db.prisma.room.create({ data: { roomId, roomVersion: "11", status, servers: ["example.org"], joinedAt: new Date(joinedAt) } });
    await room("!before:example.org", "joined", "2026-12-02T05:59:00Z");
    await room("!since:example.org", "joined", "2026-12-02T06:00:01Z");
    await room("!left:example.org", "left", "2026-12-02T05:00:00Z");

    expect(await HANDLERS["catch-up-all"]({ db: t.db.prisma, queue: t.queue }, { joinedBefore: asked })).toEqual({ queued: 1 });
    expect((await t.queue.pending("!before:example.org")).map((j) => j.kind)).toEqual(["catch-up"]);
    expect(await t.queue.pending("!since:example.org")).toEqual([]);
    expect(await t.queue.pending("!left:example.org")).toEqual([]);

    // Without a time (a scheduled run), every room joined until the run is caught up.
    expect(await HANDLERS["catch-up-all"]({ db: t.db.prisma, queue: t.queue }, {})).toEqual({ queued: 2 });
    expect((await t.queue.pending("!since:example.org")).map((j) => j.kind)).toEqual(["catch-up"]);
  });

  it("refuses a payload that is not a time", async () => {
    await expect(HANDLERS["catch-up-all"]({ db: t.db.prisma, queue: t.queue }, { joinedBefore: "yesterday" })).rejects.toThrow();
  });
});
