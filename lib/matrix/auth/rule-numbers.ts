import { ROOM_VERSIONS, type RoomVersion } from "@/lib/matrix/room-versions";

/**
 * The number each auth rule has in a room version's "Authorisation rules" section, so refusals
 * name the rule as the spec a reader has open numbers it. The rules are the same steps in every
 * version; what moves is their position:
 *
 * - v1–v5: rule 4 is `m.room.aliases`, so membership is 5 and power levels 10 (v1–v2 add rule 11,
 *   `m.room.redaction`).
 * - v6–v11: the aliases rule is gone, membership is 4, power levels 9.
 * - v7+: `knock` joins membership; v8+: rule 4.2 (`join_authorised_via_users_server` signature)
 *   shifts every membership sub-rule by one.
 * - v10+: power levels gain two validation rules in front (9.1, 9.2).
 * - v12: rule 2 (room ID is the create event's ID) is new, so everything after moves down by one;
 *   power levels gain 10.4 (creators not in `users`).
 *
 * Numbers follow the spec as rendered (Markdown numbers list items in sequence): the source of v12
 * writes the `room_id` check of rule 3 as "5." after "3.", which renders as 3.4.
 */
export interface RuleNumbers {
  readonly createPrevEvents: string;
  readonly createRoomId: string;
  readonly createRoomVersion: string;
  /** v1–v10 only. */
  readonly createCreator: string | undefined;
  /** v12 only. */
  readonly createAdditionalCreators: string | undefined;
  /** v12 only: the room ID must be an accepted create event's ID. */
  readonly roomIsCreate: string | undefined;
  readonly authDuplicate: string;
  readonly authUnexpected: string;
  readonly authRejected: string;
  /** v1–v11 only. */
  readonly authNoCreate: string | undefined;
  readonly authRoom: string;
  readonly federate: string;
  /** v1–v5 only: the aliases rule and its sub-rules. */
  readonly aliasesNoStateKey: string | undefined;
  readonly aliasesDomain: string | undefined;
  readonly memberMissing: string;
  /** v8+: not checked here (the signature stage, verifyPdu, enforces it). */
  readonly memberAuthoriserSignature: string | undefined;
  readonly joinSender: string;
  readonly joinBanned: string;
  /** v8+. */
  readonly joinRestrictedAuthoriser: string | undefined;
  readonly joinOtherwise: string;
  readonly invite3pidBanned: string;
  readonly invite3pidNoSigned: string;
  readonly invite3pidNoMxidToken: string;
  readonly invite3pidMxid: string;
  readonly invite3pidNoEvent: string;
  readonly invite3pidSender: string;
  readonly invite3pidSignature: string;
  readonly inviteSenderNotJoined: string;
  readonly inviteTargetState: string;
  readonly inviteLevel: string;
  readonly leaveSelf: string;
  readonly leaveSenderNotJoined: string;
  readonly leaveUnban: string;
  readonly leaveOtherwise: string;
  readonly banSenderNotJoined: string;
  readonly banOtherwise: string;
  /** v7+. */
  readonly knockJoinRule: string | undefined;
  readonly knockSender: string | undefined;
  readonly knockOtherwise: string | undefined;
  readonly memberUnknown: string;
  readonly senderNotJoined: string;
  readonly thirdPartyInvite: string;
  readonly requiredLevel: string;
  readonly stateKeyUser: string;
  /** v10+. */
  readonly plIntegerFields: string | undefined;
  /** v10+. */
  readonly plIntegerMaps: string | undefined;
  readonly plUsers: string;
  /** v12. */
  readonly plCreators: string | undefined;
  readonly plFieldCurrent: string;
  readonly plFieldNew: string;
  readonly plEventsCurrent: string;
  readonly plEventsNew: string;
  readonly plUsersCurrent: string;
  readonly plUsersNew: string;
  /** v1–v2 only. */
  readonly redaction: string | undefined;
}

function computeRuleNumbers(version: RoomVersion): RuleNumbers {
  const v12 = version.roomIdFromCreateEvent;
  const shift = v12 ? 1 : 0;
  const auth = String(2 + shift);
  const member = version.aliasesAuthRule ? 5 : 4 + shift;
  const sig = version.restrictedJoins ? 1 : 0;
  const m = (n: number): string => `${member}.${n + sig}`;
  const join = m(2);
  const invite = m(3);
  const leave = m(4);
  const ban = m(5);
  const knock = version.knocking ? m(6) : undefined;
  const pl = String(member + 5);
  // Power-level sub-rules are numbered in sequence; which ones exist depends on the version.
  const plSteps: string[] = [];
  if (version.integerPowerLevels) plSteps.push("ints", "maps");
  plSteps.push("users");
  if (version.privilegedCreators) plSteps.push("creators");
  plSteps.push("noPrevious", "fields", "eventsCurrent", "eventsNew", "usersCurrent", "usersNew");
  const plRule = (step: string): string => `${pl}.${plSteps.indexOf(step) + 1}`;
  const plOptional = (step: string): string | undefined => (plSteps.includes(step) ? plRule(step) : undefined);
  return {
    createPrevEvents: "1.1",
    createRoomId: "1.2",
    createRoomVersion: "1.3",
    createCreator: version.createHasCreator ? "1.4" : undefined,
    createAdditionalCreators: version.privilegedCreators ? "1.4" : undefined,
    roomIsCreate: v12 ? "2" : undefined,
    authDuplicate: `${auth}.1`,
    authUnexpected: `${auth}.2`,
    authRejected: `${auth}.3`,
    authNoCreate: v12 ? undefined : `${auth}.4`,
    authRoom: v12 ? `${auth}.4` : `${auth}.5`,
    federate: String(3 + shift),
    aliasesNoStateKey: version.aliasesAuthRule ? "4.1" : undefined,
    aliasesDomain: version.aliasesAuthRule ? "4.2" : undefined,
    memberMissing: `${member}.1`,
    memberAuthoriserSignature: version.restrictedJoins ? `${member}.2` : undefined,
    joinSender: `${join}.2`,
    joinBanned: `${join}.3`,
    joinRestrictedAuthoriser: version.restrictedJoins ? `${join}.5.2` : undefined,
    joinOtherwise: version.restrictedJoins ? `${join}.7` : `${join}.6`,
    invite3pidBanned: `${invite}.1.1`,
    invite3pidNoSigned: `${invite}.1.2`,
    invite3pidNoMxidToken: `${invite}.1.3`,
    invite3pidMxid: `${invite}.1.4`,
    invite3pidNoEvent: `${invite}.1.5`,
    invite3pidSender: `${invite}.1.6`,
    invite3pidSignature: `${invite}.1.8`,
    inviteSenderNotJoined: `${invite}.2`,
    inviteTargetState: `${invite}.3`,
    inviteLevel: `${invite}.5`,
    leaveSelf: `${leave}.1`,
    leaveSenderNotJoined: `${leave}.2`,
    leaveUnban: `${leave}.3`,
    leaveOtherwise: `${leave}.5`,
    banSenderNotJoined: `${ban}.1`,
    banOtherwise: `${ban}.3`,
    knockJoinRule: knock && `${knock}.1`,
    knockSender: knock && `${knock}.2`,
    knockOtherwise: knock && `${knock}.4`,
    memberUnknown: m(version.knocking ? 7 : 6),
    senderNotJoined: String(member + 1),
    thirdPartyInvite: `${member + 2}.1`,
    requiredLevel: String(member + 3),
    stateKeyUser: String(member + 4),
    plIntegerFields: plOptional("ints"),
    plIntegerMaps: plOptional("maps"),
    plUsers: plRule("users"),
    plCreators: plOptional("creators"),
    plFieldCurrent: `${plRule("fields")}.1`,
    plFieldNew: `${plRule("fields")}.2`,
    plEventsCurrent: `${plRule("eventsCurrent")}.1`,
    plEventsNew: `${plRule("eventsNew")}.1`,
    plUsersCurrent: `${plRule("usersCurrent")}.1`,
    plUsersNew: `${plRule("usersNew")}.1`,
    redaction: version.redactionAuthRule ? "11.3" : undefined,
  };
}

const BY_VERSION = new Map<RoomVersion, RuleNumbers>([...ROOM_VERSIONS.values()].map((version) => [version, computeRuleNumbers(version)]));

/** The rule numbers of a room version (computed once per version). */
export function ruleNumbers(version: RoomVersion): RuleNumbers {
  let numbers = BY_VERSION.get(version);
  if (!numbers) {
    numbers = computeRuleNumbers(version);
    BY_VERSION.set(version, numbers);
  }
  return numbers;
}
