// Sentences the archive stores about the timeline (why a change was overruled) name users by
// their Matrix IDs, fixed when the archive learned it. Pages name users by display name
// elsewhere, so these sentences are shown the same way: each user ID becomes the user's name,
// with the ID kept for a tooltip.

/** A run of plain text, or a user (`userId`) shown by `text`, their display name or their ID. */
export interface TextPart {
  text: string;
  userId?: string;
}

// A user ID's localpart, then a server name: a DNS name, an IPv4 or a bracketed IPv6
// address, and an optional port. A full stop ending a sentence is not part of the name.
const USER_ID = /@[a-z0-9._=\-/+]+:(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?/gi;
const MAX_USER_ID = 255;

function matches(text: string): Array<{ at: number; userId: string }> {
  return [...text.matchAll(USER_ID)].flatMap((m) => {
    const userId = m[0].replace(/\.+$/, "");
    return userId.length <= MAX_USER_ID ? [{ at: m.index, userId }] : [];
  });
}

/** The user IDs a sentence names, each once. */
export function userIdsIn(text: string): string[] {
  return [...new Set(matches(text).map((m) => m.userId))];
}

/** The sentence in parts, each user ID a part shown by the user's display name when known. */
export function namedParts(text: string, names: ReadonlyMap<string, string>): TextPart[] {
  const parts: TextPart[] = [];
  let from = 0;
  for (const { at, userId } of matches(text)) {
    if (at > from) parts.push({ text: text.slice(from, at) });
    parts.push({ text: names.get(userId) ?? userId, userId });
    from = at + userId.length;
  }
  if (from < text.length) parts.push({ text: text.slice(from) });
  return parts;
}
