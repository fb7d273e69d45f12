import type { AuthEvent } from "@/lib/matrix/auth/types";

// What a reader is told when state resolution overrules a change they saw: which change, and
// what the room's state is instead. Plain sentences, no event IDs (the page links the item).

function quoted(value: unknown): string {
  return typeof value === "string" && value !== "" ? `“${value}”` : "nothing";
}

export function describeOverruled(old: AuthEvent, replacement: AuthEvent | undefined, type: string, stateKey: string): string {
  const by = old.sender;
  const now = replacement?.content;
  switch (type) {
    case "m.room.name":
      return `Overruled by state resolution: ${by} renamed the room to ${quoted(old.content.name)}; the room's name is ${quoted(now?.name)}.`;
    case "m.room.topic":
      return `Overruled by state resolution: ${by} set the topic to ${quoted(old.content.topic)}; the topic is ${quoted(now?.topic)}.`;
    case "m.room.member": {
      const membership = typeof old.content.membership === "string" ? old.content.membership : "changed";
      const what = stateKey === by ? `${by}'s ${membership === "leave" ? "leave" : membership}` : `${by}'s ${memberAction(membership)} of ${stateKey}`;
      const current = typeof now?.membership === "string" ? now.membership : "no membership";
      return `Overruled by state resolution: ${what}; ${stateKey}'s membership is ${current}.`;
    }
    case "m.room.power_levels":
      return `Overruled by state resolution: the power level change by ${by} does not hold; the room keeps other power levels.`;
    case "m.room.join_rules":
      return `Overruled by state resolution: ${by} set the join rule to ${quoted(old.content.join_rule)}; it is ${quoted(now?.join_rule)}.`;
    case "m.room.history_visibility":
      return `Overruled by state resolution: ${by} set history visibility to ${quoted(old.content.history_visibility)}; it is ${quoted(now?.history_visibility)}.`;
    default:
      return `Overruled by state resolution: ${by}'s ${type}${stateKey ? ` (${stateKey})` : ""} change does not hold in the room's state.`;
  }
}

/** What a membership set by someone else means: a leave is a kick, a join of another an invite accepted for them. */
function memberAction(membership: string): string {
  switch (membership) {
    case "leave":
      return "kick";
    case "ban":
      return "ban";
    case "invite":
      return "invite";
    default:
      return membership;
  }
}
