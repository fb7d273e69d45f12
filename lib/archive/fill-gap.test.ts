import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/lib/db";

// After a netsplit, the server the archive joined through often has the same hole as the archive:
// Synapse answers /backfill for events it does not hold with an empty 200. The fill must then ask
// the room's other servers (the one that was cut off holds the history), not give up.

const backfill = vi.fn<(server: string, roomId: string, from: readonly string[], limit: number) => Promise<Array<Record<string, unknown>>>>();
vi.mock("@/lib/federation/client/endpoints", () => ({ backfill: (...args: Parameters<typeof backfill>) => backfill(...args) }));
let stored = new Set<string>();
// The pipeline stores what the answer holds; here: every PDU not stored yet.
vi.mock("@/lib/ingest/pipeline", () => ({
  ingestPdus: async (input: { pdus: Array<{ event_id: string }> }) => {
    const inserted = input.pdus.map((p) => p.event_id).filter((id) => !stored.has(id));
    for (const id of inserted) stored.add(id);
    return { inserted, duplicates: input.pdus.map((p) => p.event_id).filter((id) => !inserted.includes(id)) };
  },
}));
vi.mock("@/lib/timeline", () => ({
  getGap: async () =>
    MISSING.every((id) => stored.has(id))
      ? null
      : { gapId: "7", missingPrevEvents: MISSING.filter((id) => !stored.has(id)), unknownSuccessorsOf: [], eventBefore: "$before", eventAfter: "$after" },
}));
const fillForwards = vi.fn(async () => ({ stored: 0 }));
vi.mock("@/lib/federation/fill-forwards", () => ({ fillForwards: () => fillForwards() }));
vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {} } }));
vi.mock("@/lib/federation/keys/own-key", () => ({ getOwnServerName: () => "archive.test" }));

const { fillGap } = await import("@/lib/archive/fill-gap");
const { resetDestinationBackoff } = await import("@/lib/federation/destination-backoff");

const ROOM = "!room:hs1.test";
const MISSING = ["$m3", "$m2", "$m1"];

function fakeDb(): Db {
  return {
    room: {
      findUnique: async () => ({ roomId: ROOM, roomVersion: "11", servers: ["hs1.test", "hs2.test"], historyVisibility: "world_readable", status: "joined" }),
    },
  } as unknown as Db;
}

beforeEach(() => {
  resetDestinationBackoff();
  stored = new Set(["$after"]);
  backfill.mockReset();
  fillForwards.mockClear();
});

describe("fillGap", () => {
  it("asks the next server when the first answers /backfill with nothing new", async () => {
    backfill.mockImplementation(async (server) => (server === "hs2.test" ? MISSING.map((event_id) => ({ event_id })) : []));
    const report = await fillGap(fakeDb(), ROOM, 7n);
    expect(report).toEqual({ stored: 3, remaining: false, error: null });
    expect(backfill.mock.calls.map((c) => c[0])).toEqual(["hs1.test", "hs2.test"]);
  });

  it("asks the next server when the first only has events the archive already holds", async () => {
    backfill.mockImplementation(async (server) => (server === "hs2.test" ? MISSING.map((event_id) => ({ event_id })) : [{ event_id: "$after" }]));
    expect(await fillGap(fakeDb(), ROOM, 7n)).toEqual({ stored: 3, remaining: false, error: null });
  });

  it("stops at the first server that brings new events", async () => {
    backfill.mockImplementation(async () => MISSING.map((event_id) => ({ event_id })));
    expect(await fillGap(fakeDb(), ROOM, 7n)).toEqual({ stored: 3, remaining: false, error: null });
    expect(backfill.mock.calls.map((c) => c[0])).toEqual(["hs1.test"]);
  });

  it("keeps the gap when no server has the history", async () => {
    backfill.mockResolvedValue([]);
    expect(await fillGap(fakeDb(), ROOM, 7n)).toEqual({ stored: 0, remaining: true, error: null });
    expect(backfill.mock.calls.map((c) => c[0])).toEqual(["hs1.test", "hs2.test"]);
    expect(fillForwards).toHaveBeenCalledTimes(1);
  });
});
