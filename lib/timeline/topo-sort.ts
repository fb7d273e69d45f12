/** The fields the fixed tie-break needs (invariant 5 of docs/timeline.md). */
export interface SortableEvent {
  eventId: string;
  depth: bigint;
  originServerTs: bigint;
  prevEvents: readonly string[];
}

/** depth, then origin_server_ts, then event ID (code-unit order, so it never depends on locale). */
function compareTieBreak(a: SortableEvent, b: SortableEvent): number {
  if (a.depth !== b.depth) return a.depth < b.depth ? -1 : 1;
  if (a.originServerTs !== b.originServerTs) return a.originServerTs < b.originServerTs ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * Sorts a batch topologically (a prev_event inside the batch comes first), choosing among the
 * ready events by the fixed tie-break, so the same batch always gives the same order. Events
 * caught in a prev_events cycle (only a malicious server can build one: event IDs are hashes)
 * follow in tie-break order rather than being dropped.
 */
export function topoSort<T extends SortableEvent>(events: readonly T[]): T[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const pending = new Map<string, number>();
  const successors = new Map<string, T[]>();
  for (const e of events) {
    const prevs = new Set(e.prevEvents.filter((p) => byId.has(p) && p !== e.eventId));
    pending.set(e.eventId, prevs.size);
    for (const p of prevs) {
      const list = successors.get(p) ?? [];
      list.push(e);
      successors.set(p, list);
    }
  }
  const ready = new MinHeap<T>(compareTieBreak);
  for (const e of events) if (pending.get(e.eventId) === 0) ready.push(e);
  const out: T[] = [];
  const done = new Set<string>();
  for (let e = ready.pop(); e; e = ready.pop()) {
    out.push(e);
    done.add(e.eventId);
    for (const s of successors.get(e.eventId) ?? []) {
      const left = (pending.get(s.eventId) ?? 0) - 1;
      pending.set(s.eventId, left);
      if (left === 0) ready.push(s);
    }
  }
  if (out.length < byId.size) {
    out.push(...[...byId.values()].filter((e) => !done.has(e.eventId)).sort(compareTieBreak));
  }
  return out;
}

class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly compare: (a: T, b: T) => number) {}

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.compare(a[i]!, a[parent]!) >= 0) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.compare(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.compare(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
