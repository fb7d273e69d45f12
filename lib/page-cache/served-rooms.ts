// Which rooms' day URLs answer with pages, as this process last saw: proxy.ts lets shared caches
// keep a past day for an hour only for these. It decides its headers before the page renders,
// so without this a 404 for a room the archive had not joined yet (or a 403 for one it stopped
// serving) was kept by a CDN for an hour and outlived the join. Rooms are keyed as their URLs
// name them (`r/{alias}` or `roomid/{id}`, decoded). proxy.ts runs in the server's process but
// from a bundle of its own, so the set lives on globalThis, as the page cache store does.

const SLOT = Symbol.for("matrix-archive.served-rooms");
// Names only enter from rooms the database holds, but a bound keeps a flood of rooms harmless.
const MAX_ROOMS = 50_000;

function rooms(): Set<string> {
  const slot = globalThis as unknown as Record<symbol, Set<string> | undefined>;
  return (slot[SLOT] ??= new Set());
}

function key(kind: "r" | "roomid", segment: string): string {
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // A malformed escape names no room; keep the raw text, which matches nothing noted.
  }
  return `${kind}/${name.replace(/^[#!]/, "")}`;
}

/** Notes whether the room's day pages answer 200 (a page rendered, or the room's rows at start). */
export function noteServedRoom(kind: "r" | "roomid", segment: string, served: boolean): void {
  const set = rooms();
  const k = key(kind, segment);
  if (!served) set.delete(k);
  else if (set.size < MAX_ROOMS) set.add(k);
}

export function isServedRoom(kind: "r" | "roomid", segment: string): boolean {
  return rooms().has(key(kind, segment));
}
