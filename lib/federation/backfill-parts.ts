// One long backfill can keep several of a room's servers busy at once. Where the frontier names
// several events (history that forked and merged again: a netsplit, or servers' users writing at
// the same moment), each branch can be walked back by a different server at the same time. The
// frontier is dealt into parts, no event in two of them, so no event is asked for twice in one
// round; each part asks the servers in turn from a different starting server, so the parts go to
// different servers while each still falls back to all of them.

/** `wanted` dealt round-robin into at most `ways` non-empty parts (one part when there is nothing to share). */
export function frontierParts(wanted: readonly string[], ways: number): string[][] {
  const unique = [...new Set(wanted)];
  const count = Math.max(1, Math.min(Math.floor(ways), unique.length));
  const parts: string[][] = Array.from({ length: count }, () => []);
  unique.forEach((id, i) => parts[i % count]!.push(id));
  return parts;
}

/** `servers` starting at the `index`-th (modulo their number), the ones before it last. */
export function startingAt(servers: readonly string[], index: number): string[] {
  if (servers.length === 0) return [];
  const k = index % servers.length;
  return [...servers.slice(k), ...servers.slice(0, k)];
}
