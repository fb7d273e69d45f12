import { beforeEach, describe, expect, it, vi } from "vitest";

vi.mock("@/lib/federation/keys/own-key", () => ({ getOwnServerName: () => "archive.test" }));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ SERVER_DENY: ["denied.test"], FEDERATION_BACKOFF_MIN_SECONDS: 60, FEDERATION_BACKOFF_MAX_SECONDS: 3_600 }) }));
vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {} } }));

const { tryServers } = await import("@/lib/federation/try-servers");
const { resetDestinationBackoff } = await import("@/lib/federation/destination-backoff");

const opts = { what: "test", roomId: "!r:hs.test" };

beforeEach(() => resetDestinationBackoff());

describe("tryServers", () => {
  it("skips our own server and denied ones, and stops at the first useful answer", async () => {
    const asked: string[] = [];
    const answer = await tryServers(
      ["archive.test", "denied.test", "a.test", "b.test", "c.test"],
      async (s) => {
        asked.push(s);
        return s === "b.test" ? [1] : [];
      },
      { ...opts, useful: (v) => v.length > 0 },
    );
    expect(asked).toEqual(["a.test", "b.test"]);
    expect(answer).toEqual({ server: "b.test", value: [1] });
  });

  it("moves on after an error, returns the last unhelpful answer when none helps", async () => {
    const answer = await tryServers(
      ["a.test", "b.test"],
      async (s) => {
        if (s === "a.test") throw new Error("down");
        return [];
      },
      { ...opts, useful: (v) => v.length > 0 },
    );
    expect(answer).toEqual({ server: "b.test", value: [] });
  });

  it("backs off a server that failed: it is skipped while others are not", async () => {
    await tryServers(["a.test"], async () => Promise.reject(new Error("down")), opts);
    const asked: string[] = [];
    await tryServers(
      ["a.test", "b.test"],
      async (s) => {
        asked.push(s);
        throw new Error("down");
      },
      opts,
    );
    expect(asked).toEqual(["b.test"]);
    // Everyone is backing off now: better a late answer than none.
    const late = await tryServers(["a.test", "b.test"], async (s) => s, opts);
    expect(late?.server).toBe("a.test");
  });

  it("does not back off a server that answered a clear refusal", async () => {
    const { FederationHttpError } = await import("@/lib/federation/client/request");
    await tryServers(["a.test"], async () => Promise.reject(new FederationHttpError("a.test", 404, "M_NOT_FOUND", "", "GET /x")), opts);
    const asked: string[] = [];
    await tryServers(["a.test", "b.test"], async (s) => asked.push(s), { ...opts, useful: () => false });
    expect(asked).toEqual(["a.test", "b.test"]);
  });

  it("starts no attempt after the deadline", async () => {
    const attempt = vi.fn(async () => "x");
    expect(await tryServers(["a.test"], attempt, { ...opts, deadline: Date.now() - 1 })).toBeUndefined();
    expect(attempt).not.toHaveBeenCalled();
  });
});
