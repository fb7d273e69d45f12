import { describe, expect, it, vi } from "vitest";

// Readers' federation work: each client has its own budget per minute, and the process's cap
// refuses everyone (spending nobody's budget) while it is full.

vi.hoisted(() => {
  Object.assign(process.env, {
    GAP_FILLS_PER_CLIENT_PER_MINUTE: "3",
    DAY_FILLS_PER_CLIENT_PER_MINUTE: "2",
    MEDIA_FETCHES_PER_CLIENT_PER_MINUTE: "1",
    READER_FEDERATION_CONCURRENCY: "2",
  });
});

const { admitReader, dayViewedLately, dayViewKey, noteDayViewed, readerFederationInFlight, takeFederationSlot } = await import("@/lib/archive/reader-limits");

describe("admitReader", () => {
  it("refuses a flooding client with a retry time while another client is admitted", async () => {
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      const a = await admitReader("gap-fill", "198.51.100.1");
      outcomes.push("release" in a ? "admitted" : a.reason);
      if ("release" in a) a.release();
    }
    expect(outcomes).toEqual(["admitted", "admitted", "admitted", "client", "client"]);
    const refused = await admitReader("gap-fill", "198.51.100.1");
    expect("release" in refused ? 0 : refused.retryAfterSeconds).toBeGreaterThan(0);
    const other = await admitReader("gap-fill", "198.51.100.2");
    expect("release" in other).toBe(true);
    if ("release" in other) other.release();
    // Day fills have a budget of their own.
    const day = await admitReader("day-fill", "198.51.100.1");
    expect("release" in day).toBe(true);
    if ("release" in day) day.release();
    // So do media fetches.
    const media = await admitReader("media-fetch", "198.51.100.1");
    expect("release" in media).toBe(true);
    if ("release" in media) media.release();
    expect(await admitReader("media-fetch", "198.51.100.1")).toMatchObject({ reason: "client" });
  });

  it("refuses everyone while the process's slots are taken, and frees them on release", async () => {
    const first = takeFederationSlot()!;
    const second = takeFederationSlot()!;
    expect(takeFederationSlot()).toBeNull();
    const busy = await admitReader("gap-fill", "198.51.100.3");
    expect(busy).toEqual({ reason: "busy", retryAfterSeconds: 5 });
    first();
    first(); // idempotent
    expect(readerFederationInFlight()).toBe(1);
    second();
    const admitted = await admitReader("gap-fill", "198.51.100.3");
    expect("release" in admitted).toBe(true);
    // The busy refusal spent none of the client's three fills: two more are admitted.
    if ("release" in admitted) admitted.release();
    for (let i = 0; i < 2; i++) {
      const again = await admitReader("gap-fill", "198.51.100.3");
      expect("release" in again).toBe(true);
      if ("release" in again) again.release();
    }
  });
});

describe("days viewed lately", () => {
  it("keys a day by the URL's room however it is encoded", () => {
    noteDayViewed(dayViewKey("r", "lobby:hs.test", "2026-11-30"), 0);
    expect(dayViewedLately(dayViewKey("r", "lobby%3Ahs.test", "2026-11-30"), 1)).toBe(true);
    expect(dayViewedLately(dayViewKey("roomid", "lobby%3Ahs.test", "2026-11-30"), 1)).toBe(false);
    expect(dayViewedLately(dayViewKey("r", "lobby:hs.test", "2026-11-30"), 2 * 60 * 60_000)).toBe(false);
  });
});
