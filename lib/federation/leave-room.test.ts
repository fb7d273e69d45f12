import { beforeEach, describe, expect, it, vi } from "vitest";
import type { JsonObject } from "@/lib/matrix/json-value";

// The leave after a purge: make_leave and send_leave v2 on the same server, the template checked
// as for joins, other servers tried, a bounded number of rounds, and never our own server or a
// denied one.

const makeLeave = vi.fn<(server: string, roomId: string, userId: string) => Promise<{ room_version?: string; event: JsonObject }>>();
const sendLeave = vi.fn<(server: string, roomId: string, eventId: string, event: JsonObject) => Promise<unknown>>();
vi.mock("@/lib/federation/client/endpoints", () => ({
  makeLeave: (...a: Parameters<typeof makeLeave>) => makeLeave(...a),
  sendLeave: (...a: Parameters<typeof sendLeave>) => sendLeave(...a),
}));
vi.mock("@/lib/env", () => ({ getEnv: () => ({ SERVER_DENY: ["denied.test"] }) }));
vi.mock("@/lib/federation/keys/own-key", () => ({ getOwnServerName: () => "archive.test" }));
vi.mock("@/lib/federation/inbound/queries", () => ({ archiveUserId: () => "@archive:archive.test" }));
vi.mock("@/lib/log", () => ({ logger: { info: () => {}, warn: () => {}, error: () => {} } }));
vi.mock("@/lib/federation/membership-event", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/federation/membership-event")>();
  // The checks are the real ones; signing needs no key here.
  return {
    ...real,
    buildMembershipEvent: (template: JsonObject, args: { roomId: string; userId: string; membership: string }) => {
      const content = template.content as { membership?: string } | undefined;
      if (template.room_id !== args.roomId) throw new real.TemplateError("wrong room");
      if (template.sender !== args.userId || template.state_key !== args.userId) throw new real.TemplateError("not our user");
      if (content?.membership !== args.membership) throw new real.TemplateError("wrong membership");
      return { event: { ...template, signatures: {} }, eventId: `$leave-${String(template.origin ?? "")}` };
    },
  };
});

const { leaveRoomOverFederation } = await import("@/lib/federation/leave-room");

const ROOM = "!room:hs1.test";
const template = (overrides: JsonObject = {}): { room_version?: string; event: JsonObject } => ({
  room_version: "11",
  event: {
    room_id: ROOM,
    type: "m.room.member",
    sender: "@archive:archive.test",
    state_key: "@archive:archive.test",
    content: { membership: "leave" },
    ...overrides,
  },
});
const target = { roomId: ROOM, roomVersion: "11", servers: ["archive.test", "denied.test", "hs1.test", "hs2.test"] };

beforeEach(() => {
  makeLeave.mockReset();
  sendLeave.mockReset();
});

describe("leaveRoomOverFederation", () => {
  it("leaves through the first resident server that answers, skipping our own and denied servers", async () => {
    makeLeave.mockImplementation(async (server) => {
      if (server === "hs1.test") throw new Error("connect ECONNREFUSED");
      return template({ origin: server });
    });
    sendLeave.mockResolvedValue({});
    const outcome = await leaveRoomOverFederation(target, [0]);
    expect(outcome).toEqual({ left: true, server: "hs2.test", eventId: "$leave-hs2.test", attempts: 2 });
    expect(makeLeave.mock.calls.map((c) => c[0])).toEqual(["hs1.test", "hs2.test"]);
    expect(sendLeave.mock.calls.map((c) => [c[0], c[2]])).toEqual([["hs2.test", "$leave-hs2.test"]]);
  });

  it("refuses a template for another room, user, membership or room version, and does not ask that server again", async () => {
    makeLeave.mockImplementation(async (server) => (server === "hs1.test" ? template({ room_id: "!other:hs1.test" }) : { ...template(), room_version: "10" }));
    const outcome = await leaveRoomOverFederation(target, [0, 0, 0]);
    expect(outcome.left).toBe(false);
    // Both templates were bad: one round, no send_leave.
    expect(makeLeave).toHaveBeenCalledTimes(2);
    expect(sendLeave).not.toHaveBeenCalled();
    if (!outcome.left) expect(outcome.errors.join(" ")).toMatch(/wrong room.*room version 10/);
  });

  it("gives up after the given rounds when no server answers", async () => {
    makeLeave.mockRejectedValue(new Error("timed out"));
    const outcome = await leaveRoomOverFederation(target, [0, 0, 0]);
    expect(outcome).toMatchObject({ left: false, attempts: 6 });
    expect(makeLeave).toHaveBeenCalledTimes(6);
  });
});
