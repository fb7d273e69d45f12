import {
  INTEGER_FIELDS,
  INVALID,
  InvalidPowerLevel,
  integerFieldsProblem,
  integerMapsProblem,
  parsedPowerLevels,
  powerLevelMode,
  roomCreators,
  usersMapProblem,
  type LevelMap,
  type PowerLevels,
} from "@/lib/matrix/auth/power-levels";
import type { RuleNumbers } from "@/lib/matrix/auth/rule-numbers";
import { ALLOWED, refuse } from "@/lib/matrix/auth/state-access";
import type { AuthEvent, AuthResult } from "@/lib/matrix/auth/types";
import { isJsonObject } from "@/lib/matrix/json-value";
import type { RoomVersion } from "@/lib/matrix/room-versions";

// The `m.room.power_levels` auth rule: 10 in v1–v5, 9 in v6–v11, 10 in v12.
//
// "Added, changed or removed" compares what each event states: a property present in only one
// of them is checked against the sender's level with the value that is there, and an absent
// value is not compared (as Synapse does; the spec does not say whether an absent value counts
// as its default, and Ruma compares defaults, which only differs when a sender below a default
// adds or removes that property).

type MapName = "events" | "notifications" | "users";

export function checkPowerLevelsEvent(
  event: AuthEvent,
  version: RoomVersion,
  rules: RuleNumbers,
  current: PowerLevels,
  create: AuthEvent,
  senderLevel: number,
): AuthResult {
  const content = event.content;
  const mode = powerLevelMode(version);
  if (rules.plIntegerFields) {
    const problem = integerFieldsProblem(content);
    if (problem) return refuse(rules.plIntegerFields, problem);
  }
  if (rules.plIntegerMaps) {
    const problem = integerMapsProblem(content);
    if (problem) return refuse(rules.plIntegerMaps, problem);
  }
  const usersProblem = usersMapProblem(content, mode);
  if (usersProblem) return refuse(rules.plUsers, usersProblem);
  if (rules.plCreators && isJsonObject(content.users)) {
    for (const creator of roomCreators(create)) {
      if (Object.hasOwn(content.users, creator)) return refuse(rules.plCreators, `${creator} is a room creator and cannot be listed in users`);
    }
  }

  const old = current.parsed;
  if (!old) return ALLOWED;
  const next = parsedPowerLevels(content, mode);

  for (const field of INTEGER_FIELDS) {
    const before = old.fields[field];
    const after = next.fields[field];
    if (before === INVALID) throw new InvalidPowerLevel(rules.plFieldCurrent, `the current ${field}`);
    if (after === INVALID) throw new InvalidPowerLevel(rules.plFieldNew, `the new ${field}`);
    if (before === after) continue;
    if (before !== undefined && before > senderLevel) {
      return refuse(rules.plFieldCurrent, `${field} is ${before}, above ${event.sender}'s power level ${senderLevel}`);
    }
    if (after !== undefined && after > senderLevel) {
      return refuse(rules.plFieldNew, `the new ${field} ${after} is above ${event.sender}'s power level ${senderLevel}`);
    }
  }

  const maps: MapName[] = version.notificationsPowerLevels ? ["events", "notifications"] : ["events"];
  for (const name of maps) {
    const refusal = checkCurrentEntries(name, old[name], next[name], rules.plEventsCurrent, senderLevel, undefined);
    if (refusal) return refusal;
  }
  for (const name of maps) {
    const refusal = checkNewEntries(name, old[name], next[name], rules.plEventsNew, senderLevel);
    if (refusal) return refusal;
  }
  const usersCurrent = checkCurrentEntries("users", old.users, next.users, rules.plUsersCurrent, senderLevel, event.sender);
  if (usersCurrent) return usersCurrent;
  const usersNew = checkNewEntries("users", old.users, next.users, rules.plUsersNew, senderLevel);
  if (usersNew) return usersNew;
  return ALLOWED;
}

function usable(map: LevelMap | undefined | null, name: MapName, rule: string, which: string): LevelMap | undefined {
  if (map === INVALID) throw new InvalidPowerLevel(rule, `the ${which} ${name}`);
  return map;
}

/**
 * Entries changed in or removed from a map: the current value must not exceed the sender's
 * level (events, notifications), or, for `users` other than the sender's own entry, must be
 * below it.
 */
function checkCurrentEntries(
  name: MapName,
  oldMap: LevelMap | undefined | null,
  newMap: LevelMap | undefined | null,
  rule: string,
  senderLevel: number,
  sender: string | undefined,
): AuthResult | undefined {
  const before = usable(oldMap, name, rule, "current");
  if (!before) return undefined;
  const after = newMap === INVALID ? undefined : newMap;
  for (const [key, value] of before) {
    if (after?.get(key) === value && value !== INVALID) continue;
    if (value === INVALID) throw new InvalidPowerLevel(rule, `the current ${name}[${key}]`);
    if (sender === undefined) {
      if (value > senderLevel) return refuse(rule, `${name}[${key}] is ${value}, above the sender's power level ${senderLevel}`);
    } else if (key !== sender && value >= senderLevel) {
      return refuse(rule, `users[${key}] is ${value}, not below the sender's power level ${senderLevel}`);
    }
  }
  return undefined;
}

/** Entries added to or changed in a map: the new value must not exceed the sender's level. */
function checkNewEntries(
  name: MapName,
  oldMap: LevelMap | undefined | null,
  newMap: LevelMap | undefined | null,
  rule: string,
  senderLevel: number,
): AuthResult | undefined {
  const after = usable(newMap, name, rule, "new");
  if (!after) return undefined;
  const before = oldMap === INVALID ? undefined : oldMap;
  for (const [key, value] of after) {
    if (value === INVALID) throw new InvalidPowerLevel(rule, `the new ${name}[${key}]`);
    if (before?.get(key) === value) continue;
    if (value > senderLevel) return refuse(rule, `the new ${name}[${key}] ${value} is above the sender's power level ${senderLevel}`);
  }
  return undefined;
}
