/**
 * TEST-ONLY stand-in for lib/matrix/auth/auth-rules.ts (same signatures), until the real rules
 * land: the state-dependent authorization rules (RV/v1…v12 § Authorisation rules) reduced to
 * what the state resolution vectors exercise. No third-party invites, no signature checks, no
 * content validation beyond what decides those cases. Never use it outside tests.
 */
import type { AuthEvent, AuthResult, AuthState, StateKey } from "@/lib/matrix/auth/types";
import { stateKeyOf } from "@/lib/matrix/auth/types";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";
import { CREATE_KEY, creatorsOf, JOIN_RULES_KEY, POWER_LEVELS_KEY, powerLevelValue } from "@/lib/matrix/state-res/common";

export function standInAuthEventTypes(event: AuthEvent, roomVersion: RoomVersion): StateKey[] {
  if (event.type === "m.room.create" && event.stateKey === "") return [];
  const keys = [CREATE_KEY, POWER_LEVELS_KEY, stateKeyOf("m.room.member", event.sender)];
  if (event.type === "m.room.member" && event.stateKey !== undefined) {
    keys.push(stateKeyOf("m.room.member", event.stateKey));
    const membership = event.content.membership;
    if (membership === "join" || membership === "invite" || membership === "knock") keys.push(JOIN_RULES_KEY);
    const via = event.content.join_authorised_via_users_server;
    if (roomVersion.restrictedJoins && membership === "join" && typeof via === "string") keys.push(stateKeyOf("m.room.member", via));
  }
  return [...new Set(keys)];
}

const deny = (rule: string, reason: string): AuthResult => ({ allowed: false, rule, reason });
const ALLOW: AuthResult = { allowed: true };

function domainOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}

export function standInCheckAuth(event: AuthEvent, state: AuthState, roomVersion: RoomVersion): AuthResult {
  if (event.type === "m.room.create" && event.stateKey === "") {
    return event.prevEvents.length > 0 ? deny("1.1", "create has prev_events") : ALLOW;
  }
  const create = state.get(CREATE_KEY);
  if (create === undefined) return deny("2", "no create event");
  if (create.content["m.federate"] === false && domainOf(event.sender) !== domainOf(create.sender)) return deny("4", "not federated");
  const powerLevels = state.get(POWER_LEVELS_KEY);
  const pl: JsonObject = powerLevels?.content ?? {};
  const creators = creatorsOf(create, roomVersion);

  const userLevel = (userId: string): number => {
    if (roomVersion.roomIdFromCreateEvent && creators.has(userId)) return Number.POSITIVE_INFINITY;
    if (powerLevels === undefined) return creators.has(userId) ? 100 : 0;
    const users = pl.users;
    const own = isJsonObject(users) && Object.hasOwn(users, userId) ? powerLevelValue(users[userId]) : undefined;
    return own ?? powerLevelValue(pl.users_default) ?? 0;
  };
  const level = (name: string, fallback: number): number => powerLevelValue(pl[name]) ?? fallback;
  const membershipOf = (userId: string): string | undefined => {
    const value = state.get(stateKeyOf("m.room.member", userId))?.content.membership;
    return typeof value === "string" ? value : undefined;
  };
  const senderLevel = userLevel(event.sender);

  if (event.type === "m.room.member") {
    const target = event.stateKey;
    const membership = event.content.membership;
    if (target === undefined || typeof membership !== "string") return deny("5.1", "no state key or membership");
    const targetMembership = membershipOf(target);
    const senderMembership = membershipOf(event.sender);
    const joinRuleValue = state.get(JOIN_RULES_KEY)?.content.join_rule;
    const joinRule = typeof joinRuleValue === "string" ? joinRuleValue : undefined;
    switch (membership) {
      case "join": {
        if (event.prevEvents.length === 1 && event.prevEvents[0] === create.eventId && creators.has(target)) return ALLOW;
        if (event.sender !== target) return deny("5.3.2", "join for someone else");
        if (senderMembership === "ban") return deny("5.3.3", "banned");
        if (joinRule === "invite" || (roomVersion.knocking && joinRule === "knock")) {
          return senderMembership === "invite" || senderMembership === "join" ? ALLOW : deny("5.3.4", "not invited");
        }
        if (roomVersion.restrictedJoins && (joinRule === "restricted" || joinRule === "knock_restricted")) {
          if (senderMembership === "invite" || senderMembership === "join") return ALLOW;
          const via = event.content.join_authorised_via_users_server;
          if (typeof via !== "string" || membershipOf(via) !== "join" || userLevel(via) < level("invite", 0)) {
            return deny("5.3.5.2", "no authorising server");
          }
          return ALLOW;
        }
        return joinRule === "public" ? ALLOW : deny("5.3.7", "join rule forbids");
      }
      case "invite":
        if (senderMembership !== "join") return deny("5.4.2", "sender not joined");
        if (targetMembership === "join" || targetMembership === "ban") return deny("5.4.3", "target joined or banned");
        return senderLevel >= level("invite", 0) ? ALLOW : deny("5.4.5", "below invite level");
      case "leave":
        if (event.sender === target) {
          return targetMembership === "invite" || targetMembership === "join" || targetMembership === "knock" ? ALLOW : deny("5.5.1", "not in room");
        }
        if (senderMembership !== "join") return deny("5.5.2", "sender not joined");
        if (targetMembership === "ban" && senderLevel < level("ban", 50)) return deny("5.5.3", "below ban level");
        return senderLevel >= level("kick", 50) && userLevel(target) < senderLevel ? ALLOW : deny("5.5.5", "cannot kick");
      case "ban":
        if (senderMembership !== "join") return deny("5.6.1", "sender not joined");
        return senderLevel >= level("ban", 50) && userLevel(target) < senderLevel ? ALLOW : deny("5.6.3", "cannot ban");
      case "knock":
        if (joinRule !== "knock" && joinRule !== "knock_restricted") return deny("5.7.1", "not knockable");
        if (event.sender !== target) return deny("5.7.2", "knock for someone else");
        return senderMembership !== "ban" && senderMembership !== "invite" && senderMembership !== "join" ? ALLOW : deny("5.7.4", "cannot knock");
      default:
        return deny("5.8", "unknown membership");
    }
  }

  if (membershipOf(event.sender) !== "join") return deny("6", "sender not joined");
  const events = pl.events;
  const required =
    (isJsonObject(events) && Object.hasOwn(events, event.type) ? powerLevelValue(events[event.type]) : undefined) ??
    (event.stateKey !== undefined ? level("state_default", powerLevels === undefined ? 0 : 50) : level("events_default", 0));
  if (required > senderLevel) return deny("8", "below the event's power level");
  if (event.stateKey?.startsWith("@") && event.stateKey !== event.sender) return deny("9", "state key names another user");

  if (event.type === "m.room.power_levels" && event.stateKey === "") {
    const next = event.content;
    const users = isJsonObject(next.users) ? next.users : {};
    if (roomVersion.roomIdFromCreateEvent) for (const creator of creators) if (Object.hasOwn(users, creator)) return deny("10.4", "creator in users");
    if (powerLevels === undefined) return ALLOW;
    for (const name of ["users_default", "events_default", "state_default", "ban", "redact", "kick", "invite"]) {
      const before = powerLevelValue(pl[name]);
      const after = powerLevelValue(next[name]);
      if (before === after) continue;
      if ((before ?? 0) > senderLevel || (after ?? 0) > senderLevel) return deny("10.6", `cannot change ${name}`);
    }
    for (const name of ["events", "notifications"]) {
      const before = isJsonObject(pl[name]) ? (pl[name] as JsonObject) : {};
      const after = isJsonObject(next[name]) ? (next[name] as JsonObject) : {};
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const old = powerLevelValue(before[key]);
        const now = powerLevelValue(after[key]);
        if (old === now) continue;
        if (old !== undefined && old > senderLevel) return deny("10.7", `cannot change ${name}.${key}`);
        if (now !== undefined && now > senderLevel) return deny("10.8", `cannot set ${name}.${key}`);
      }
    }
    const oldUsers = isJsonObject(pl.users) ? pl.users : {};
    for (const key of new Set([...Object.keys(oldUsers), ...Object.keys(users)])) {
      const old = Object.hasOwn(oldUsers, key) ? powerLevelValue(oldUsers[key]) : undefined;
      const now = Object.hasOwn(users, key) ? powerLevelValue(users[key]) : undefined;
      if (old === now) continue;
      if (key !== event.sender && old !== undefined && old >= senderLevel) return deny("10.9", `cannot change ${key}`);
      if (now !== undefined && now > senderLevel) return deny("10.10", `cannot raise ${key}`);
    }
  }
  return ALLOW;
}
