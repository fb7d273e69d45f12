import { describe, expect, it } from "vitest";
import { topologicalOrder, transactionBody, type StoredPdu } from "@/lib/federation/inbound/serve-events";

const ev = (eventId: string, depth: number, prevEvents: string[], ts = depth): StoredPdu => ({
  eventId,
  depth: BigInt(depth),
  originServerTs: BigInt(ts),
  prevEvents,
  pdu: `{"id":"${eventId}"}`,
});

describe("topologicalOrder", () => {
  it("puts every event after its prev_events in the set, ties by depth, ts, ID", () => {
    // A fork: b and c both follow a; d merges them. A lying depth on c must not break topology.
    const events = [ev("$d", 3, ["$b", "$c"]), ev("$c", 1, ["$a"]), ev("$b", 2, ["$a"], 5), ev("$a", 1, ["$outside"])];
    expect(topologicalOrder(events).map((e) => e.eventId)).toEqual(["$a", "$c", "$b", "$d"]);
  });

  it("is deterministic whatever the input order", () => {
    const events = [ev("$x", 2, ["$r"]), ev("$y", 2, ["$r"]), ev("$r", 1, []), ev("$z", 2, ["$r"])];
    const once = topologicalOrder(events).map((e) => e.eventId);
    expect(topologicalOrder([...events].reverse()).map((e) => e.eventId)).toEqual(once);
    expect(once).toEqual(["$r", "$x", "$y", "$z"]);
  });
});

describe("transactionBody", () => {
  it("embeds stored canonical PDU text unchanged (big integers survive)", () => {
    const body = transactionBody("archive.example", [{ ...ev("$a", 1, []), pdu: '{"depth":9007199254740993}' }]);
    expect(body).toMatch(/^\{"origin":"archive.example","origin_server_ts":\d+,"pdus":\[\{"depth":9007199254740993\}\]\}$/);
  });
});
