import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { useTestbed } from "./fixtures/testbed";
import { httpRequest, type Testbed } from "../scripts/testbed/index";

// The federation test bed works end to end: two real Synapse servers on loopback federate over
// TLS, and the nginx TLS front puts a plain-HTTP upstream (the archive's place) on the federation.
// No page is opened; every wait is a bounded poll.

test.describe.configure({ mode: "serial" });

let bed: Testbed;
useTestbed({ homeservers: 2 }, (ready) => ({ bed } = ready));

test("a room created on hs1 and joined from hs2: each side sees the other's messages", async () => {
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("expected two homeservers");
  expect(hs1.serverName).not.toBe(hs2.serverName);

  const alice = await hs1.registerUser("alice");
  const bob = await hs2.registerUser("bob");
  const roomId = await alice.createRoom({ alias: "lobby", roomVersion: "11", name: "Lobby" });

  // Joining through hs1 is itself a federation round trip (make_join / send_join over TLS).
  await bob.joinRoom(`#lobby:${hs1.serverName}`);
  await alice.waitForJoined(roomId, bob.userId);

  const fromHs1 = await alice.sendMessages(roomId, ["hello from hs1", "second from hs1"], { concurrency: 1 });
  const fromHs2 = await bob.sendMessage(roomId, "hello from hs2");

  const lastFromHs1 = fromHs1.at(-1) ?? "";
  await bob.waitForEvent(roomId, lastFromHs1);
  await alice.waitForEvent(roomId, fromHs2);

  expect(await bob.messageBodies(roomId)).toEqual(expect.arrayContaining(["hello from hs1", "second from hs1", "hello from hs2"]));
  expect(await alice.messageBodies(roomId)).toEqual(expect.arrayContaining(["hello from hs1", "second from hs1", "hello from hs2"]));

  // hs2 holds hs1's event as a PDU signed by hs1 (federation format through the client API).
  const page = await bob.messages(roomId, { federationFormat: true, limit: 20 });
  const pdu = page.chunk.find((e) => e.content.body === "second from hs1");
  expect(pdu?.prev_events?.length).toBeGreaterThan(0);
  expect(pdu?.auth_events?.length).toBeGreaterThan(0);
  expect(Object.keys(pdu?.signatures ?? {})).toContain(hs1.serverName);

  // hs2 reads hs1's public room directory over federation.
  await expect.poll(async () => (await bob.publicRooms(hs1.serverName)).chunk.map((r) => r.room_id), { timeout: 15_000 }).toContain(roomId);
});

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyLength: number;
}

test("the TLS front proxies to a plain-HTTP upstream, and Synapse reaches it by server name", async () => {
  const [, hs2] = bed.homeservers;
  if (!hs2) throw new Error("expected two homeservers");
  const seen: Seen[] = [];
  // Stands in for the archive: records what arrives and answers the federation publicRooms call.
  const upstream: Server = createServer((req, res) => {
    let bodyLength = 0;
    req.on("data", (c: Buffer) => (bodyLength += c.length));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyLength });
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/_matrix/federation/v1/publicRooms")) {
        res.end(
          JSON.stringify({
            chunk: [{ room_id: "!upstream:example", num_joined_members: 1, world_readable: true, guest_can_join: false, name: "served by upstream" }],
            total_room_count_estimate: 1,
          }),
        );
      } else {
        res.end(JSON.stringify({ ok: true, bodyLength }));
      }
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  try {
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const front = await bed.startTlsFront({ upstreamPort });
    expect(front.serverName).toBe(`localhost:${front.port}`);
    const ca = await readFile(bed.caFile);

    // The raw request target arrives unchanged (X-Matrix signs it byte for byte), Host is kept.
    const rawTarget = "/_matrix/federation/v1/event/%24abc%2Fdef%3A1?ver=1&ver=2&x=a%20b";
    const res = await httpRequest({ url: `https://localhost:${front.port}${rawTarget}`, ca });
    expect(res.status).toBe(200);
    expect(seen.at(-1)?.url).toBe(rawTarget);
    expect(seen.at(-1)?.headers.host).toBe(front.serverName);
    expect(seen.at(-1)?.headers["x-forwarded-proto"]).toBe("https");

    // Bodies the size of a large federation transaction pass.
    const big = Buffer.alloc(5 * 1024 * 1024, "a");
    const put = await httpRequest({
      url: `${front.url}/_matrix/federation/v1/send/txn1`,
      method: "PUT",
      body: big,
      ca,
      headers: { "content-type": "application/json" },
    });
    expect(put.status).toBe(200);
    expect(seen.at(-1)?.bodyLength).toBe(big.length);

    // Synapse (hs2) dials the front by server name over TLS and its signed request reaches the
    // upstream: a client asking hs2 for the directory of `localhost:<front port>`.
    const carol = await hs2.registerUser("carol");
    const rooms = await carol.publicRooms(front.serverName);
    expect(rooms.chunk.map((r) => r.room_id)).toContain("!upstream:example");
    const fromSynapse = seen.find((s) => s.url.startsWith("/_matrix/federation/v1/publicRooms"));
    expect(fromSynapse?.headers.host).toBe(front.serverName);
    expect(fromSynapse?.headers.authorization).toContain(`X-Matrix origin="${hs2.serverName}"`);
    expect(fromSynapse?.headers.authorization).toContain(`destination="${front.serverName}"`);
  } finally {
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
});
