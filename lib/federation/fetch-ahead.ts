// Requests made ahead of need for a walk whose next step is usually predictable from the last
// answer (a backfill: the prev_events an answer names but does not hold are the next frontier).
// At most `depth` answers are in flight or waiting at once, the one being used included, so a
// slow or stalled server holds no more than that many; an answer is handed out only for exactly
// the request it was made for, and when the walk goes elsewhere everything fetched ahead is
// dropped and seeds nothing more.

export interface FetchAheadOptions<A> {
  /** Answers in flight or held at once, counting the one the caller is using (1: no fetching ahead). */
  depth: number;
  /** The servers to ask, in the caller's order. */
  servers: readonly string[];
  /** Whether another request may start now (request budget, deadline, stop). */
  canStart: () => boolean;
  /** One request for `wanted`, asking `servers` in this order (a rejection reaches whoever takes that answer). */
  fetch: (servers: readonly string[], wanted: readonly string[]) => Promise<A>;
  /** From an answer: the server that answered usefully (if it did) and what to ask for next. */
  next: (answer: A, asked: readonly string[]) => { server: string | undefined; wanted: readonly string[] } | undefined;
}

const keyOf = (ids: readonly string[]) => [...new Set(ids)].sort().join("\u0000");

export class FetchAhead<A> {
  private readonly pending = new Map<string, Promise<A>>();
  /** Bumped when the walk left the predicted path: answers of older generations seed nothing. */
  private generation = 0;
  /** Servers that answered usefully, in the order they first did. */
  private readonly helpful: string[] = [];
  /** A request the last answer pointed to that had no room yet: started when a slot frees. */
  private waiting: readonly string[] | undefined;

  constructor(private readonly options: FetchAheadOptions<A>) {}

  /** Whether an answer fetched ahead is still waiting to be taken. */
  holds(): boolean {
    return this.pending.size > 0;
  }

  /** The answer for `wanted`: fetched ahead when it was predicted, else asked now (undefined: no request may start). */
  take(wanted: readonly string[]): Promise<A> | undefined {
    const key = keyOf(wanted);
    const ready = this.pending.get(key);
    if (ready) {
      this.pending.delete(key);
      this.startWaiting();
      return ready;
    }
    this.pending.clear();
    this.waiting = undefined;
    this.generation++;
    if (!this.options.canStart()) return undefined;
    return this.start(wanted);
  }

  private start(wanted: readonly string[]): Promise<A> {
    const generation = this.generation;
    // Servers that answered usefully go first: one that holds the history is asked before
    // those that answered with nothing.
    const order = [...this.helpful, ...this.options.servers.filter((s) => !this.helpful.includes(s))];
    const answer = this.options.fetch(order, wanted);
    answer.then(
      (a) => {
        if (generation !== this.generation) return;
        const next = this.options.next(a, wanted);
        if (next?.server !== undefined && !this.helpful.includes(next.server)) this.helpful.push(next.server);
        if (!next || next.wanted.length === 0) return;
        this.waiting = next.wanted;
        this.startWaiting();
      },
      () => {}, // the caller that takes this answer sees the failure
    );
    return answer;
  }

  private startWaiting(): void {
    // The caller holds one answer (the one it took last): `depth - 1` may be in flight or wait beside it.
    if (!this.waiting || this.pending.size >= this.options.depth - 1 || !this.options.canStart()) return;
    const wanted = this.waiting;
    this.waiting = undefined;
    const key = keyOf(wanted);
    if (!this.pending.has(key)) this.pending.set(key, this.start(wanted));
  }
}
