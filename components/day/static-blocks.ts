import type { ReactNode } from "react";

/*
 * Markup that the server renders once and the browser never re-renders: the messages of a day
 * page. A server component's output travels twice, once as HTML and once as the inline RSC
 * payload React hydrates from, and for a page of messages the payload is the larger half. So the
 * day page does not return its messages to React's server renderer: it leaves them here under a
 * fresh key and returns a <StaticBlock> (a client component) that names the key. When the same
 * request renders that client component to HTML, it takes the elements back and renders them;
 * the payload carries only the key. In the browser the block keeps the HTML the server sent.
 *
 * Server components and the HTML renderer of client components are separate module instances
 * within one process, so the map lives on globalThis. A key is taken by the HTML render that
 * follows within milliseconds; one that nobody takes (an RSC-only request) expires, and the map
 * holds a bounded number of entries.
 */

const MAP = Symbol.for("matrix-archive.static-blocks");
const COUNTER = Symbol.for("matrix-archive.static-blocks.counter");
const UNTAKEN_MS = 30_000;
// A retry of the HTML render (a Suspense boundary around the block rendering again) finds it still.
const TAKEN_MS = 2_000;
const MAX_ENTRIES = 2_000;

interface Entry {
  node: ReactNode;
  timer: ReturnType<typeof setTimeout>;
}

type Global = typeof globalThis & { [MAP]?: Map<string, Entry>; [COUNTER]?: number };

function entries(): Map<string, Entry> {
  const g = globalThis as Global;
  return (g[MAP] ??= new Map());
}

function expireIn(key: string, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => entries().delete(key), ms);
  timer.unref?.();
  return timer;
}

/** Keeps server-rendered elements for the HTML render of this request; returns their key. */
export function putStaticBlock(node: ReactNode): string {
  const g = globalThis as Global;
  const n = (g[COUNTER] = (g[COUNTER] ?? 0) + 1);
  const key = `${n.toString(36)}.${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const map = entries();
  while (map.size >= MAX_ENTRIES) {
    const oldest = map.keys().next().value as string;
    clearTimeout(map.get(oldest)!.timer);
    map.delete(oldest);
  }
  map.set(key, { node, timer: expireIn(key, UNTAKEN_MS) });
  return key;
}

/** The elements kept under a key (on the server, while rendering HTML), or undefined. */
export function takeStaticBlock(key: string): ReactNode | undefined {
  const entry = entries().get(key);
  if (!entry) return undefined;
  clearTimeout(entry.timer);
  entry.timer = expireIn(key, TAKEN_MS);
  return entry.node;
}
