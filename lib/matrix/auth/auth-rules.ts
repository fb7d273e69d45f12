import { checkMembership } from "@/lib/matrix/auth/membership-rules";
import { checkPowerLevelsEvent } from "@/lib/matrix/auth/power-level-rules";
import { InvalidPowerLevel, PowerLevels } from "@/lib/matrix/auth/power-levels";
import { ruleNumbers, type RuleNumbers } from "@/lib/matrix/auth/rule-numbers";
import { ALLOWED, createOf, domainOf, membershipOf, refuse } from "@/lib/matrix/auth/state-access";
import type { AuthEvent, AuthResult, AuthState } from "@/lib/matrix/auth/types";
import { isValidQualifiedId } from "@/lib/matrix/identifiers";
import { findRoomVersion, type RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The authorization rules of a room version (RV/v1 … RV/v12 § Authorisation rules), applied to
 * `event` against `state`: the auth events of the event (S2S § Checks performed on receipt of a
 * PDU, step 4, with the state built by authStateFromAuthEvents), the state before it (step 5),
 * the current state (step 6, soft failure), or a partial state during state resolution.
 *
 * `state` must hold every (type, state key) authEventTypes names for the event that exists; for
 * v12 it must hold the create event under `m.room.create` even though v12 auth events never
 * list it. A refusal names the rule in the version's own numbering (see rule-numbers.ts).
 *
 * Not checked here, because they are not about the event and state alone:
 * - rule 2.3 (3.3 in v12), auth events that were themselves rejected: the caller knows which
 *   events it rejected and must leave them out of `state`;
 * - v12 rule 2's "accepted (not rejected)": likewise the caller's;
 * - v8+ rule 4.2.1 (5.2.1 in v12), the `join_authorised_via_users_server` server's signature:
 *   verifyPdu requires it;
 * - rules 2.1, 2.2 and 2.5 (3.1, 3.2, 3.4 in v12), which are about the `auth_events` list: see
 *   authStateFromAuthEvents.
 */
export function checkAuthRules(event: AuthEvent, state: AuthState, roomVersion: RoomVersion): AuthResult {
  const rules = ruleNumbers(roomVersion);
  if (event.type === "m.room.create") return checkCreate(event, roomVersion, rules);
  try {
    return checkNonCreate(event, state, roomVersion, rules);
  } catch (error) {
    if (error instanceof InvalidPowerLevel) return refuse(error.rule, error.message);
    throw error;
  }
}

function checkCreate(event: AuthEvent, version: RoomVersion, rules: RuleNumbers): AuthResult {
  if (event.prevEvents.length > 0) return refuse(rules.createPrevEvents, "a create event has no prev_events");
  if (version.roomIdFromCreateEvent) {
    if (event.roomId !== undefined) return refuse(rules.createRoomId, "a v12 create event has no room_id (the room ID is its event ID)");
  } else if (event.roomId === undefined || domainOf(event.roomId) !== domainOf(event.sender)) {
    return refuse(rules.createRoomId, `the room ID's domain is not the sender's (${domainOf(event.sender)})`);
  }
  const roomVersionProperty = event.content.room_version;
  if (roomVersionProperty !== undefined && (typeof roomVersionProperty !== "string" || !findRoomVersion(roomVersionProperty))) {
    return refuse(rules.createRoomVersion, `content.room_version ${JSON.stringify(roomVersionProperty)} is not a recognised room version`);
  }
  if (rules.createCreator && !Object.hasOwn(event.content, "creator")) return refuse(rules.createCreator, "content has no creator");
  if (rules.createAdditionalCreators) {
    const additional = event.content.additional_creators;
    if (additional !== undefined && !(Array.isArray(additional) && additional.every((user) => typeof user === "string" && isValidQualifiedId(user, "@")))) {
      return refuse(rules.createAdditionalCreators, "content.additional_creators is not an array of valid user IDs");
    }
  }
  return ALLOWED;
}

function checkNonCreate(event: AuthEvent, state: AuthState, version: RoomVersion, rules: RuleNumbers): AuthResult {
  const create = createOf(state);
  if (version.roomIdFromCreateEvent) {
    // v12 rule 2: the room ID is the create event's ID with `!` for `$`.
    if (!create) return refuse(rules.roomIsCreate ?? "2", "the state has no create event for this room");
    if (event.roomId !== "!" + create.eventId.slice(1)) {
      return refuse(rules.roomIsCreate ?? "2", `the room ID ${event.roomId} is not the ID of the create event ${create.eventId}`);
    }
  } else if (!create) {
    return refuse(rules.authNoCreate ?? rules.authUnexpected, "there is no m.room.create event in the auth events");
  }

  // Rule 3 (4 in v12): m.federate.
  if (create.content["m.federate"] === false && domainOf(event.sender) !== domainOf(create.sender)) {
    return refuse(rules.federate, `the room is not federated (m.federate is false) and ${event.sender} is not on the creator's server`);
  }

  // v1–v5 rule 4: m.room.aliases.
  if (version.aliasesAuthRule && event.type === "m.room.aliases") {
    if (event.stateKey === undefined) return refuse(rules.aliasesNoStateKey ?? "4.1", "an m.room.aliases event needs a state_key");
    if (event.stateKey !== domainOf(event.sender))
      return refuse(rules.aliasesDomain ?? "4.2", `the state_key is not the sender's domain ${domainOf(event.sender)}`);
    return ALLOWED;
  }

  const levels = new PowerLevels(state, version);
  if (event.type === "m.room.member") return checkMembership({ event, state, version, rules, create, levels });

  if (membershipOf(state, event.sender) !== "join") return refuse(rules.senderNotJoined, `${event.sender} is not joined`);

  if (event.type === "m.room.third_party_invite") {
    const rule = rules.thirdPartyInvite;
    if (levels.userLevel(event.sender, rule) >= levels.invite(rule)) return ALLOWED;
    return refuse(rule, `${event.sender}'s power level is below the invite level`);
  }

  const stateKey = event.stateKey;
  const isState = stateKey !== undefined;
  const senderLevel = levels.userLevel(event.sender, rules.requiredLevel);
  const required = levels.requiredLevel(event.type, isState, rules.requiredLevel);
  if (required > senderLevel) return refuse(rules.requiredLevel, `${event.type} needs power level ${required}, ${event.sender} has ${senderLevel}`);

  if (stateKey !== undefined && stateKey.startsWith("@") && stateKey !== event.sender) {
    return refuse(rules.stateKeyUser, `the state_key ${stateKey} is another user's ID`);
  }

  if (event.type === "m.room.power_levels") return checkPowerLevelsEvent(event, version, rules, levels, create, senderLevel);

  if (version.redactionAuthRule && event.type === "m.room.redaction") {
    // v1–v2 rule 11.
    if (senderLevel >= levels.redact(rules.redaction ?? "11.3")) return ALLOWED;
    if (event.redacts !== undefined && domainOf(event.redacts) === domainOf(event.eventId)) return ALLOWED;
    return refuse(rules.redaction ?? "11.3", "the sender is below the redact level and the redacted event is from another server");
  }
  return ALLOWED;
}
