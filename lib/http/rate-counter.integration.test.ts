import { RateLimiterRes } from "rate-limiter-flexible";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rateCounter } from "@/lib/http/rate-counter";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

/** How many of `n` requests of `key`, spread over the counters in turn, are let through. */
async function admitted(counters: ReturnType<typeof rateCounter>[], key: string, n: number): Promise<number> {
  let through = 0;
  for (let i = 0; i < n; i++) {
    try {
      await counters[i % counters.length]!.consume(key);
      through++;
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      expect(rejected.msBeforeNext).toBeGreaterThan(0);
    }
  }
  return through;
}

describe("rate counters", () => {
  it("in the database, hold one limit for every instance that shares it", async () => {
    // Two instances of the archive on one database: each makes its own counter for the limit.
    const options = { keyPrefix: "test-shared", points: 3, durationSeconds: 60 };
    const instances = [rateCounter(options, db.prisma), rateCounter(options, db.prisma)];
    expect(await admitted(instances, "203.0.113.7", 8)).toBe(3);
    expect(await admitted(instances, "203.0.113.8", 2), "another client has its own budget").toBe(2);
    const row = await db.prisma.rateLimit.findUnique({ where: { key: "test-shared:203.0.113.7" } });
    expect(row?.points).toBeGreaterThanOrEqual(3);
    // Another limit with the same key is counted apart.
    expect(await admitted([rateCounter({ ...options, keyPrefix: "test-other" }, db.prisma)], "203.0.113.7", 3)).toBe(3);
  });

  it("in memory (embedded PGlite: one process), count per counter", async () => {
    const options = { keyPrefix: "test-memory", points: 3, durationSeconds: 60 };
    expect(await admitted([rateCounter(options, null), rateCounter(options, null)], "198.51.100.1", 8)).toBe(6);
  });

  it("count in memory while the database does not answer", async () => {
    const down = new Error("connection refused");
    const failing = { rateLimit: { deleteMany: () => Promise.reject(down), upsert: () => Promise.reject(down), findFirst: () => Promise.reject(down) } };
    const counter = rateCounter({ keyPrefix: "test-down", points: 2, durationSeconds: 60 }, failing as unknown as typeof db.prisma);
    expect(await admitted([counter], "k", 5)).toBe(2);
  });

  it("start a new window once the old one is over", async () => {
    const counter = rateCounter({ keyPrefix: "test-window", points: 1, durationSeconds: 0.3 }, db.prisma);
    expect(await admitted([counter], "k", 2)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await admitted([counter], "k", 1)).toBe(1);
  });
});
