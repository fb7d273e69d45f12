import { stateKeyOf, type AuthEvent, type AuthResult, type AuthState, type StateKey } from "@/lib/matrix/auth/types";

// Small readers of an auth state shared by the rule modules.

export const CREATE_KEY: StateKey = stateKeyOf("m.room.create", "");
export const POWER_LEVELS_KEY: StateKey = stateKeyOf("m.room.power_levels", "");
export const JOIN_RULES_KEY: StateKey = stateKeyOf("m.room.join_rules", "");

export const ALLOWED: AuthResult = Object.freeze({ allowed: true });

export function refuse(rule: string, reason: string): AuthResult {
  return { allowed: false, rule, reason };
}

/** The server part of a user, room or v1/v2 event ID: everything after the first colon. */
export function domainOf(id: string): string {
  return id.slice(id.indexOf(":") + 1);
}

export function memberKey(userId: string): StateKey {
  return stateKeyOf("m.room.member", userId);
}

/** A user's membership in the state; `leave` when there is no member event (or it has no string membership). */
export function membershipOf(state: AuthState, userId: string): string {
  const membership = state.get(memberKey(userId))?.content.membership;
  return typeof membership === "string" ? membership : "leave";
}

/** The join rule in force; `invite` when there is no join-rules event or it names none (as Synapse). */
export function joinRuleOf(state: AuthState): string {
  const rule = state.get(JOIN_RULES_KEY)?.content.join_rule;
  return typeof rule === "string" ? rule : "invite";
}

export function createOf(state: AuthState): AuthEvent | undefined {
  return state.get(CREATE_KEY);
}
