import type { StateChangeView } from "@/lib/archive/view-types";
import { str, type Content } from "@/lib/archive/stored-event";

// State changes are summarised so join/leave floods do not bury the conversation (a common
// complaint about archives), while each change stays listed, and linkable, under the summary.

export interface StateChangeInput {
  eventId: string;
  ts: number;
  type: string;
  stateKey: string | null;
  sender: string;
  content: Content;
  /** Membership before this event, from unsigned.prev_content when known. */
  prevMembership: string | null;
  redacted: boolean;
  /** Display names known for the room's users. */
  names: ReadonlyMap<string, string>;
}

type MembershipAction = "joined" | "left" | "was invited" | "was banned" | "was removed" | "changed their profile" | "knocked" | "was unbanned";

function nameOf(userId: string, names: ReadonlyMap<string, string>): string {
  return names.get(userId) ?? userId;
}

function membershipAction(c: StateChangeInput): MembershipAction | null {
  const membership = str(c.content.membership);
  const target = c.stateKey ?? "";
  switch (membership) {
    case "join":
      return c.prevMembership === "join" ? "changed their profile" : "joined";
    case "leave":
      if (c.prevMembership === "ban") return "was unbanned";
      return c.sender === target ? "left" : "was removed";
    case "invite":
      return "was invited";
    case "ban":
      return "was banned";
    case "knock":
      return "knocked";
    default:
      return null;
  }
}

/** One line describing a state event, or null for state the reader does not need to see. */
export function describeStateChange(c: StateChangeInput): string | null {
  const who = nameOf(c.sender, c.names);
  if (c.redacted && c.type !== "m.room.member") return `${who} changed the room state (details deleted)`;
  switch (c.type) {
    case "m.room.member": {
      const action = membershipAction(c);
      const target = nameOf(c.stateKey ?? c.sender, c.names);
      if (!action) return null;
      const reason = str(c.content.reason);
      return `${target} ${action}${reason && action !== "joined" ? ` (${reason.slice(0, 200)})` : ""}`;
    }
    case "m.room.create":
      return `${who} created the room`;
    case "m.room.name": {
      const name = str(c.content.name);
      return name ? `${who} named the room “${name.slice(0, 200)}”` : `${who} removed the room name`;
    }
    case "m.room.topic": {
      const topic = str(c.content.topic);
      return topic ? `${who} set the topic to “${topic.slice(0, 500)}”` : `${who} removed the topic`;
    }
    case "m.room.history_visibility": {
      const v = str(c.content.history_visibility) ?? "unknown";
      return v === "world_readable" ? `${who} made the room history readable by anyone (world_readable)` : `${who} set history visibility to ${v}`;
    }
    case "m.room.join_rules":
      return `${who} set the join rule to ${str(c.content.join_rule) ?? "unknown"}`;
    case "m.room.canonical_alias": {
      const alias = str(c.content.alias);
      return alias ? `${who} set the room address to ${alias}` : `${who} changed the room addresses`;
    }
    case "m.room.avatar":
      return `${who} changed the room avatar`;
    case "m.room.power_levels":
      return `${who} changed the power levels`;
    case "m.room.tombstone":
      return `${who} upgraded this room${str(c.content.replacement_room) ? ` to ${str(c.content.replacement_room)}` : ""}`;
    case "m.room.encryption":
      return `${who} turned on end-to-end encryption`;
    case "m.room.pinned_events":
      return `${who} changed the pinned messages`;
    case "m.room.server_acl":
      return `${who} changed the server access list`;
    case "m.room.guest_access":
      return `${who} set guest access to ${str(c.content.guest_access) ?? "unknown"}`;
    default:
      return `${who} changed ${c.type}`;
  }
}

function listNames(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 3) {
    return unique.length <= 1 ? (unique[0] ?? "") : `${unique.slice(0, -1).join(", ")} and ${unique.at(-1)}`;
  }
  const others = unique.length - 2;
  return `${unique.slice(0, 2).join(", ")} and ${others} others`;
}

/** Summarises a run of state changes: "alice, bob and 3 others joined; carol left". */
export function summariseRun(run: readonly StateChangeInput[], changes: readonly StateChangeView[]): string {
  if (run.length === 1) return changes[0]?.text ?? "";
  const byAction = new Map<string, string[]>();
  const texts = new Map(changes.map((c) => [c.eventId, c.text]));
  const others: string[] = [];
  for (const c of run) {
    const action = c.type === "m.room.member" ? membershipAction(c) : null;
    if (action) {
      const list = byAction.get(action) ?? [];
      list.push(nameOf(c.stateKey ?? c.sender, c.names));
      byAction.set(action, list);
    } else {
      others.push(texts.get(c.eventId) ?? c.type);
    }
  }
  const parts = [...byAction].map(([action, names]) => `${listNames(names)} ${action}`);
  // A few settings read better spelled out; a room's creation burst is summarised.
  if (others.length > 0 && others.length <= 2) parts.push(...others);
  else if (others.length > 2) parts.push(`${others[0]} and ${others.length - 1} other room changes`);
  return parts.join("; ");
}
