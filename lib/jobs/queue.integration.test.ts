import { describe, expect, it } from "vitest";
import { queueName } from "@/lib/jobs/queue";
import { openTestQueue } from "@/lib/testing/job-queue";

// The queue on the archive's own database (a Postgres server, and embedded PGlite through its
// SQL function): jobs are deduplicated per key, run once, keep their output, and are retried
// when their handler fails.

const t = openTestQueue({ supervise: true });

describe("the job queue", () => {
  it("joins a second request for the same room and kind to the open job", async () => {
    const first = await t.queue.enqueue("catch-up", { roomId: "!a:example.org" });
    const second = await t.queue.enqueue("catch-up", { roomId: "!a:example.org" });
    const other = await t.queue.enqueue("catch-up", { roomId: "!b:example.org" });
    expect(first.joined).toBe(false);
    expect(second).toEqual({ id: first.id, joined: true });
    expect(other.id).not.toBe(first.id);
    const pending = await t.queue.pending("!a:example.org");
    expect(pending.map((j) => [j.kind, j.state])).toEqual([["catch-up", "created"]]);
  });

  it("runs a job once and keeps what its handler returned", async () => {
    const { id } = await t.queue.enqueue("fill-gap", { roomId: "!c:example.org", gapId: "7" });
    const seen: unknown[] = [];
    await t.queue.boss.work(queueName("fill-gap"), { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      seen.push(job!.data);
      return { stored: 3 };
    });
    const done = await t.queue.wait("fill-gap", id, 20_000);
    expect(done?.state).toBe("completed");
    expect(done?.output).toEqual({ stored: 3 });
    expect(seen).toEqual([{ roomId: "!c:example.org", gapId: "7" }]);
    // Finished: the next request for that gap is a new job.
    expect((await t.queue.enqueue("fill-gap", { roomId: "!c:example.org", gapId: "7" })).joined).toBe(false);
    await t.queue.boss.offWork(queueName("fill-gap"));
  });

  it("retries a job whose handler failed, with its retry count", async () => {
    // Retry at once for the test (the queue's own delay is a minute, doubled each time); a job
    // takes its queue's retry settings when it is sent.
    await t.queue.boss.updateQueue(queueName("purge-sweep"), {
      name: queueName("purge-sweep"),
      policy: "stately",
      retryLimit: 3,
      retryDelay: 0,
      retryBackoff: false,
    });
    const { id } = await t.queue.enqueue("purge-sweep", { roomId: "!d:example.org" });
    let calls = 0;
    await t.queue.boss.work(queueName("purge-sweep"), { pollingIntervalSeconds: 0.5 }, async () => {
      calls++;
      if (calls === 1) throw new Error("the first try fails");
      return { ok: true };
    });
    const deadline = Date.now() + 30_000;
    let info = await t.queue.get("purge-sweep", id);
    while (info?.state !== "completed" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      info = await t.queue.get("purge-sweep", id);
    }
    expect(info?.state).toBe("completed");
    expect(info?.retryCount).toBe(1);
    expect(calls).toBe(2);
    await t.queue.boss.offWork(queueName("purge-sweep"));
  });

  it("wakes this process's poller when it queues a job, and drains a backlog without the idle wait", async () => {
    const seen: string[] = [];
    // Idle, this poller would ask again only after a minute.
    await t.queue.work("catch-up", { pollingIntervalSeconds: 60 }, async (job) => {
      seen.push((job.data as { roomId: string }).roomId);
      return { ok: true };
    });
    await new Promise((r) => setTimeout(r, 300)); // its first ask found nothing: it sleeps
    const rooms = ["!w1:example.org", "!w2:example.org", "!w3:example.org"];
    const ids = [];
    for (const roomId of rooms) ids.push((await t.queue.enqueue("catch-up", { roomId })).id);
    for (const id of ids) expect((await t.queue.wait("catch-up", id, 15_000))?.state).toBe("completed");
    // (The first test's catch-ups, still queued, are part of the backlog it drained.)
    expect(seen.filter((r) => rooms.includes(r)).sort()).toEqual(rooms);
    await t.queue.boss.offWork(queueName("catch-up"));
  }, 30_000);

  it("refuses a payload that does not fit its kind", async () => {
    await expect(t.queue.enqueue("fill-gap", { roomId: "!e:example.org", gapId: "not a number" })).rejects.toThrow();
  });
});
