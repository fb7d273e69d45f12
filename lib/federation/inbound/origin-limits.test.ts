import { describe, expect, it } from "vitest";
import { InboundError } from "@/lib/federation/inbound/http";
import { OriginLimiter } from "@/lib/federation/inbound/origin-limits";

// The rc_federation-like limiter on its own: delays past the sleep limit, refusals past the
// reject limit, at most `concurrent` requests of an origin running, each origin on its own.

const settings = { windowMs: 60_000, sleepLimit: 2, sleepDelayMs: 50, rejectLimit: 4, concurrent: 1 };

describe("OriginLimiter", () => {
  it("delays requests past the sleep limit and refuses those past the reject limit", async () => {
    const slept: number[] = [];
    const limiter = new OriginLimiter(settings, async (ms) => void slept.push(ms));
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => limiter.run("a.test", async () => i)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled", "fulfilled", "rejected", "rejected"]);
    expect(slept).toEqual([50, 50]);
    const refusal = (results[4] as PromiseRejectedResult).reason as InboundError;
    expect(refusal).toBeInstanceOf(InboundError);
    expect(refusal.status).toBe(429);
    expect(refusal.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(refusal.extra?.retry_after_ms).toBeGreaterThan(50_000);
    // Another origin has its own budget.
    await expect(limiter.run("b.test", async () => "served")).resolves.toBe("served");
  });

  it("runs at most `concurrent` requests of one origin at once, and others beside them", async () => {
    const limiter = new OriginLimiter({ ...settings, sleepLimit: 100, rejectLimit: 100, concurrent: 2 });
    let running = 0;
    let most = 0;
    const work = async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
    };
    const flood = Array.from({ length: 8 }, () => limiter.run("a.test", work));
    // b.test is not queued behind a.test's full slots: it runs while two of a.test's do.
    await new Promise((r) => setTimeout(r, 1));
    const other = await limiter.run("b.test", async () => running);
    await Promise.all(flood);
    expect(most).toBe(2);
    expect(other).toBe(2);
    expect(limiter.running("a.test")).toBe(0);
  });

  it("releases the slot when the handler throws", async () => {
    const limiter = new OriginLimiter({ ...settings, rejectLimit: 100, sleepLimit: 100 });
    await expect(limiter.run("a.test", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run("a.test", async () => "next")).resolves.toBe("next");
  });
});
