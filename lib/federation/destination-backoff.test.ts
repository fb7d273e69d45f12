import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/env", () => ({ getEnv: () => ({ FEDERATION_BACKOFF_MIN_SECONDS: 60, FEDERATION_BACKOFF_MAX_SECONDS: 3_600 }) }));
vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {}, debug: () => {} } }));

const { backingOff, destinationFailed, destinationUp, isDestinationFailure, resetDestinationBackoff } = await import("@/lib/federation/destination-backoff");
const { FederationHttpError } = await import("@/lib/federation/client/request");
const { TransportError } = await import("@/lib/federation/transport");

beforeEach(() => resetDestinationBackoff());

const middle = () => 0.5; // no jitter: 0.8 + 0.4 × 0.5 = 1

describe("destination backoff", () => {
  it("skips a failed server for the minimum, then twice as long per failure, up to the maximum", () => {
    let now = 1_000_000;
    const intervals: number[] = [];
    for (let i = 0; i < 8; i++) {
      const ms = destinationFailed("a.test", now, middle);
      intervals.push(ms / 1000);
      expect(backingOff("a.test", now + ms - 1)).toBe(true);
      expect(backingOff("a.test", now + ms)).toBe(false);
      now += ms;
    }
    expect(intervals).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
    expect(backingOff("b.test", now)).toBe(false);
  });

  it("does not double again for a failure while already backing off", () => {
    const now = 1_000_000;
    expect(destinationFailed("a.test", now, middle)).toBe(60_000);
    expect(destinationFailed("a.test", now + 10_000, middle)).toBe(50_000);
    expect(destinationFailed("a.test", now + 60_000, middle)).toBe(120_000);
  });

  it("spreads retries by jitter of −20 % to +20 %, never past the maximum", () => {
    expect(destinationFailed("low.test", 0, () => 0)).toBe(48_000);
    expect(destinationFailed("high.test", 0, () => 0.999_999)).toBe(72_000);
  });

  it("ends a backoff when the server answers or signs a request to us", () => {
    destinationFailed("a.test", Date.now(), middle);
    expect(backingOff("a.test")).toBe(true);
    destinationUp("a.test");
    expect(backingOff("a.test")).toBe(false);
    // And starts again from the minimum.
    expect(destinationFailed("a.test", Date.now(), middle)).toBe(60_000);
  });

  it("counts no answer, 5xx and 429 as failures, a clear 4xx refusal not", () => {
    expect(isDestinationFailure(new TransportError("refused", "M_CONNECTION_FAILED"))).toBe(true);
    expect(isDestinationFailure(new TransportError("slow", "M_TIMEOUT"))).toBe(true);
    expect(isDestinationFailure(new FederationHttpError("a.test", 502, undefined, "", "GET /x"))).toBe(true);
    expect(isDestinationFailure(new FederationHttpError("a.test", 429, "M_LIMIT_EXCEEDED", "", "GET /x"))).toBe(true);
    expect(isDestinationFailure(new FederationHttpError("a.test", 404, "M_NOT_FOUND", "", "GET /x"))).toBe(false);
    expect(isDestinationFailure(new FederationHttpError("a.test", 403, "M_FORBIDDEN", "", "GET /x"))).toBe(false);
  });
});
