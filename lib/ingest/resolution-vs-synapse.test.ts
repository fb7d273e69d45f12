import { describe, expect, it } from "vitest";
import { toAuthEvent } from "@/lib/ingest/known-events";
import { RoomBuilder } from "@/lib/ingest/testing/room-builder";
import { authEventTypes } from "@/lib/matrix/auth/auth-events";
import { checkAuthRules } from "@/lib/matrix/auth/auth-rules";
import { stateKeyOf, type AuthEvent } from "@/lib/matrix/auth/types";
import { resolveState } from "@/lib/matrix/state-res/resolve";

// Shapes of rooms where the differential test found the archive's resolution differing from
// Synapse's, rebuilt with real signed events. Each says what Synapse resolved.

const ALICE = "@alice:hs1.test";
const BOB = "@bob:hs2.test";
const FRANK = "@frank:hs3.test";
const CAROL = "@carol:hs3.test";
const DAVE = "@dave:hs1.test";

describe("state resolution agrees with Synapse", () => {
  it("a member event one fork's power levels cite does not delay that fork's power levels (differential seed 1919781643)", () => {
    const room = new RoomBuilder("10", ["hs1.test", "hs2.test", "hs3.test"]);
    room.create(ALICE);
    room.join(ALICE);
    room.state("m.room.power_levels", "", { users: { [ALICE]: 100 } }, ALICE);
    const publicRule = room.state("m.room.join_rules", "", { join_rule: "public" }, ALICE);
    room.state("m.room.history_visibility", "", { history_visibility: "world_readable" }, ALICE);
    for (const user of [BOB, FRANK, CAROL, DAVE]) room.join(user);
    const beforeSplit = room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [FRANK]: 100 } }, ALICE);
    const split = room.currentTips();
    const splitState = new Map(room.current);
    // Side A: alice makes bob a moderator, bob closes the room, alice demotes dave.
    room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [FRANK]: 100, [BOB]: 50 } }, ALICE);
    const inviteOnly = room.state("m.room.join_rules", "", { join_rule: "invite" }, BOB);
    room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [FRANK]: 100, [BOB]: 50, [DAVE]: 0 } }, ALICE);
    const sideA = new Map(room.current);
    // Side B, from the split: frank (100) changes carol's level, citing his own join.
    room.current.clear();
    for (const [k, v] of splitState) room.current.set(k, v);
    room.setTips(split);
    const frankLevels = room.state("m.room.power_levels", "", { users: { [ALICE]: 100, [FRANK]: 100, [CAROL]: 0 } }, FRANK);
    const sideB = new Map(room.current);
    expect(sideB.get(stateKeyOf("m.room.power_levels", ""))).toBe(frankLevels);
    expect(splitState.get(stateKeyOf("m.room.power_levels", ""))).toBe(beforeSplit);

    const events = new Map<string, AuthEvent>([...room.pdus].map(([id, pdu]) => [id, toAuthEvent(id, pdu, room.version)]));
    const resolved = resolveState({
      roomVersion: room.version,
      stateSets: [sideA, sideB],
      getEvent: (id) => events.get(id),
      checkAuth: checkAuthRules,
      authEventTypes,
    });
    // Synapse: frank's power levels hold (ordered before bob's join rules), so bob has no power
    // to close the room and the join rule stays public.
    expect(resolved.get(stateKeyOf("m.room.power_levels", ""))).toBe(frankLevels);
    expect(resolved.get(stateKeyOf("m.room.join_rules", ""))).toBe(publicRule);
    expect(resolved.get(stateKeyOf("m.room.join_rules", ""))).not.toBe(inviteOnly);
  });
});
