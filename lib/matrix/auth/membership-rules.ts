import type { PowerLevels } from "@/lib/matrix/auth/power-levels";
import { roomCreator } from "@/lib/matrix/auth/power-levels";
import type { RuleNumbers } from "@/lib/matrix/auth/rule-numbers";
import { ALLOWED, joinRuleOf, membershipOf, refuse } from "@/lib/matrix/auth/state-access";
import { thirdPartySignatureMatches } from "@/lib/matrix/auth/third-party-invite";
import { stateKeyOf, type AuthEvent, type AuthResult, type AuthState } from "@/lib/matrix/auth/types";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";

// The `m.room.member` auth rule: rule 5 in v1–v5, 4 in v6–v11, 5 in v12 (RuleNumbers has each
// sub-rule's number). Membership events never reach the "sender must be joined" rule or the
// required-power-level rule after it: this rule decides them alone.
//
// Rule 4.2 of v8+ (the event must be signed by the server of `join_authorised_via_users_server`)
// is a signature check: verifyPdu's requiredSigners enforces it before an event reaches the auth
// rules, so AuthEvent (which carries no signatures) does not repeat it.

export interface MemberContext {
  readonly event: AuthEvent;
  readonly state: AuthState;
  readonly version: RoomVersion;
  readonly rules: RuleNumbers;
  readonly create: AuthEvent;
  readonly levels: PowerLevels;
}

export function checkMembership(ctx: MemberContext): AuthResult {
  const { event, rules } = ctx;
  const target = event.stateKey;
  const membership = event.content.membership;
  if (target === undefined || membership === undefined) {
    return refuse(rules.memberMissing, "a member event needs a state_key and content.membership");
  }
  switch (membership) {
    case "join":
      return checkJoin(ctx, target);
    case "invite":
      return checkInvite(ctx, target);
    case "leave":
      return checkLeave(ctx, target);
    case "ban":
      return checkBan(ctx, target);
    case "knock":
      if (ctx.version.knocking) return checkKnock(ctx, target);
      break;
  }
  return refuse(rules.memberUnknown, `unknown membership ${JSON.stringify(membership)}`);
}

function checkJoin(ctx: MemberContext, target: string): AuthResult {
  const { event, state, version, rules, create, levels } = ctx;
  // J.1: the creator's own first join, right after the create event.
  const prev = event.prevEvents;
  if (prev.length === 1 && prev[0] === create.eventId && target === roomCreator(create, version)) return ALLOWED;
  if (event.sender !== target) return refuse(rules.joinSender, "a join's sender must be its state_key (nobody can join someone else)");
  const current = membershipOf(state, target);
  if (current === "ban") return refuse(rules.joinBanned, `${target} is banned`);
  const joinRule = joinRuleOf(state);
  const invitedOrJoined = current === "invite" || current === "join";
  if (joinRule === "invite" || (version.knocking && joinRule === "knock")) {
    if (invitedOrJoined) return ALLOWED;
  } else if ((version.restrictedJoins && joinRule === "restricted") || (version.knockRestricted && joinRule === "knock_restricted")) {
    if (invitedOrJoined) return ALLOWED;
    const rule = rules.joinRestrictedAuthoriser ?? rules.joinOtherwise;
    const authoriser = event.content.join_authorised_via_users_server;
    if (typeof authoriser !== "string") {
      return refuse(rule, `the join rule is ${joinRule} and ${target} is not invited, so the join needs join_authorised_via_users_server`);
    }
    if (membershipOf(state, authoriser) !== "join") return refuse(rule, `join_authorised_via_users_server ${authoriser} is not joined`);
    if (levels.userLevel(authoriser, rule) < levels.invite(rule)) {
      return refuse(rule, `join_authorised_via_users_server ${authoriser} does not have the invite level`);
    }
    return ALLOWED;
  } else if (joinRule === "public") {
    return ALLOWED;
  }
  return refuse(rules.joinOtherwise, `the join rule is ${JSON.stringify(joinRule)} and ${target}'s membership is ${current}`);
}

function checkInvite(ctx: MemberContext, target: string): AuthResult {
  const { event, state, rules, levels } = ctx;
  if (event.content.third_party_invite !== undefined) return checkThirdPartyInvite(ctx, target);
  if (membershipOf(state, event.sender) !== "join") return refuse(rules.inviteSenderNotJoined, `the inviter ${event.sender} is not joined`);
  const current = membershipOf(state, target);
  if (current === "join" || current === "ban") return refuse(rules.inviteTargetState, `${target} is already ${current === "join" ? "joined" : "banned"}`);
  if (levels.userLevel(event.sender, rules.inviteLevel) >= levels.invite(rules.inviteLevel)) return ALLOWED;
  return refuse(rules.inviteLevel, `${event.sender}'s power level is below the invite level`);
}

function checkThirdPartyInvite(ctx: MemberContext, target: string): AuthResult {
  const { event, state, version, rules } = ctx;
  if (membershipOf(state, target) === "ban") return refuse(rules.invite3pidBanned, `${target} is banned`);
  const invite = event.content.third_party_invite;
  const signed = isJsonObject(invite) ? invite.signed : undefined;
  if (signed === undefined) return refuse(rules.invite3pidNoSigned, "third_party_invite has no signed property");
  if (!isJsonObject(signed) || typeof signed.mxid !== "string" || typeof signed.token !== "string") {
    return refuse(rules.invite3pidNoMxidToken, "third_party_invite.signed needs string mxid and token properties");
  }
  if (signed.mxid !== target) return refuse(rules.invite3pidMxid, `third_party_invite.signed.mxid ${signed.mxid} is not the state_key ${target}`);
  const tpi = state.get(stateKeyOf("m.room.third_party_invite", signed.token));
  if (!tpi) return refuse(rules.invite3pidNoEvent, "no m.room.third_party_invite in the state has the token of signed");
  if (tpi.sender !== event.sender) return refuse(rules.invite3pidSender, `the m.room.third_party_invite was sent by ${tpi.sender}, not ${event.sender}`);
  if (thirdPartySignatureMatches(signed as JsonObject, tpi, version)) return ALLOWED;
  return refuse(rules.invite3pidSignature, "no signature in third_party_invite.signed verifies with a public key of the m.room.third_party_invite");
}

function checkLeave(ctx: MemberContext, target: string): AuthResult {
  const { event, state, version, rules, levels } = ctx;
  const senderMembership = membershipOf(state, event.sender);
  if (event.sender === target) {
    if (senderMembership === "invite" || senderMembership === "join" || (version.knocking && senderMembership === "knock")) return ALLOWED;
    return refuse(rules.leaveSelf, `${target} cannot leave from membership ${senderMembership}`);
  }
  if (senderMembership !== "join") return refuse(rules.leaveSenderNotJoined, `${event.sender} is not joined, so cannot kick or unban`);
  const senderLevel = levels.userLevel(event.sender, rules.leaveUnban);
  if (membershipOf(state, target) === "ban" && senderLevel < levels.ban(rules.leaveUnban)) {
    return refuse(rules.leaveUnban, `${event.sender}'s power level is below the ban level, so cannot unban ${target}`);
  }
  const rule = rules.leaveOtherwise;
  if (senderLevel >= levels.kick(rule) && levels.userLevel(target, rule) < senderLevel) return ALLOWED;
  return refuse(rule, `${event.sender} needs the kick level and a power level above ${target}'s`);
}

function checkBan(ctx: MemberContext, target: string): AuthResult {
  const { event, state, rules, levels } = ctx;
  if (membershipOf(state, event.sender) !== "join") return refuse(rules.banSenderNotJoined, `${event.sender} is not joined, so cannot ban`);
  const rule = rules.banOtherwise;
  const senderLevel = levels.userLevel(event.sender, rule);
  if (senderLevel >= levels.ban(rule) && levels.userLevel(target, rule) < senderLevel) return ALLOWED;
  return refuse(rule, `${event.sender} needs the ban level and a power level above ${target}'s`);
}

function checkKnock(ctx: MemberContext, target: string): AuthResult {
  const { event, state, version, rules } = ctx;
  const joinRule = joinRuleOf(state);
  if (joinRule !== "knock" && !(version.knockRestricted && joinRule === "knock_restricted")) {
    return refuse(rules.knockJoinRule ?? rules.memberUnknown, `the join rule ${JSON.stringify(joinRule)} does not allow knocking`);
  }
  if (event.sender !== target) return refuse(rules.knockSender ?? rules.memberUnknown, "a knock's sender must be its state_key");
  const current = membershipOf(state, event.sender);
  if (current !== "ban" && current !== "invite" && current !== "join") return ALLOWED;
  return refuse(rules.knockOtherwise ?? rules.memberUnknown, `${target} cannot knock from membership ${current}`);
}
