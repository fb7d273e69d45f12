import { describe, expect, it } from "vitest";
import { retryAfter } from "@/lib/federation/keys/remote-keys";

// A server that keeps failing to give its keys is asked less and less often.
describe("key fetch backoff", () => {
  it("waits 30 s after one failure, doubling with each failure in a row, at most 30 minutes", () => {
    expect(retryAfter({ at: 0, count: 1 })).toBe(30_000);
    expect(retryAfter({ at: 0, count: 2 })).toBe(60_000);
    expect(retryAfter({ at: 0, count: 4 })).toBe(240_000);
    expect(retryAfter({ at: 1_000, count: 50 })).toBe(1_000 + 30 * 60_000);
  });
});
