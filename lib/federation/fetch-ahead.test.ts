import { describe, expect, it } from "vitest";
import { FetchAhead } from "@/lib/federation/fetch-ahead";

// A walk 1 → 2 → 3 → … where each answer names the next step, against a fake server whose
// answers the test releases (or never releases: a stalled server).

function fakeServer() {
  const calls: Array<{ servers: readonly string[]; wanted: readonly string[]; answer: (value: number) => void }> = [];
  let open = 0;
  let peak = 0;
  return {
    calls,
    get open() {
      return open;
    },
    get peak() {
      return peak;
    },
    fetch(servers: readonly string[], wanted: readonly string[]): Promise<number> {
      open++;
      peak = Math.max(peak, open);
      return new Promise<number>((resolve) => {
        calls.push({
          servers,
          wanted,
          answer: (v) => {
            open--;
            resolve(v);
          },
        });
      });
    },
  };
}

const step = (n: number) => ({ server: n % 2 === 0 ? "even.example" : "odd.example", wanted: [String(n + 1)] });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("FetchAhead", () => {
  it("keeps at most `depth` requests in flight or held, the taken one included, however fast the server answers", async () => {
    const server = fakeServer();
    const ahead = new FetchAhead<number>({ depth: 3, servers: ["a"], canStart: () => true, fetch: (s, w) => server.fetch(s, w), next: (n) => step(n) });
    const first = ahead.take(["1"])!;
    for (let i = 0; i < 10; i++) {
      for (const c of server.calls.filter((c) => c.answer)) {
        c.answer(Number(c.wanted[0]));
        c.answer = () => {};
      }
      await settle();
    }
    expect(await first).toBe(1);
    // 1 (taken) plus 2 and 3 fetched ahead; 4 waits for a slot.
    expect(server.calls.map((c) => c.wanted[0])).toEqual(["1", "2", "3"]);
    // Taking 2 frees a slot: 4 goes out.
    expect(await ahead.take(["2"])).toBe(2);
    await settle();
    expect(server.calls.map((c) => c.wanted[0])).toEqual(["1", "2", "3", "4"]);
  });

  it("a stalled server holds no more than `depth` requests, and nothing is fetched for a walk that went elsewhere", async () => {
    const server = fakeServer();
    const ahead = new FetchAhead<number>({ depth: 2, servers: ["a"], canStart: () => true, fetch: (s, w) => server.fetch(s, w), next: (n) => step(n) });
    const first = ahead.take(["1"])!;
    server.calls[0]!.answer(1);
    expect(await first).toBe(1);
    await settle();
    // 2 went out ahead and stalls; nothing more starts.
    expect(server.calls.map((c) => c.wanted[0])).toEqual(["1", "2"]);
    // The walk needs something else: asked now; the stalled request is dropped, not waited for.
    const other = ahead.take(["x"])!;
    expect(server.calls.map((c) => c.wanted[0])).toEqual(["1", "2", "x"]);
    expect(server.peak).toBeLessThanOrEqual(2);
    // The stale answer arriving late seeds nothing.
    server.calls[1]!.answer(2);
    await settle();
    expect(server.calls).toHaveLength(3);
    server.calls[2]!.answer(7);
    expect(await other).toBe(7);
  });

  it("depth 1 fetches nothing ahead; canStart stops new requests", async () => {
    const server = fakeServer();
    let budget = 1;
    const ahead = new FetchAhead<number>({ depth: 1, servers: ["a"], canStart: () => budget-- > 0, fetch: (s, w) => server.fetch(s, w), next: (n) => step(n) });
    const first = ahead.take(["1"])!;
    server.calls[0]!.answer(1);
    expect(await first).toBe(1);
    await settle();
    expect(server.calls).toHaveLength(1);
    expect(ahead.take(["2"])).toBeUndefined();
  });

  it("asks the servers that answered usefully first", async () => {
    const server = fakeServer();
    const ahead = new FetchAhead<number>({
      depth: 4,
      servers: ["empty.example", "odd.example", "even.example"],
      canStart: () => true,
      fetch: (s, w) => server.fetch(s, w),
      next: (n) => step(n),
    });
    const first = ahead.take(["1"])!;
    server.calls[0]!.answer(1);
    await first;
    await settle();
    server.calls[1]!.answer(2);
    await settle();
    expect(server.calls.map((c) => c.servers)).toEqual([
      ["empty.example", "odd.example", "even.example"],
      ["odd.example", "empty.example", "even.example"],
      ["odd.example", "even.example", "empty.example"],
    ]);
  });
});
