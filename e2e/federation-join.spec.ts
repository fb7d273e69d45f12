import { readFileSync } from "node:fs";
import https from "node:https";
import { expect, test } from "@playwright/test";
import path from "node:path";
import { canonicalJson } from "../lib/matrix/canonical-json";
import { computeEventId } from "../lib/matrix/event-id";
import type { JsonObject } from "../lib/matrix/json-value";
import { signEvent } from "../lib/matrix/sign-event";
import { generateSigningKey, parseSigningKeyFile } from "../lib/matrix/signing-key";
import { buildXMatrixAuthorization } from "../lib/matrix/x-matrix";
import { type Testbed } from "../scripts/testbed/index";
import type { RoomReport } from "../scripts/archive/admin";
import type { RunningArchive } from "./fixtures/archive";
import { useTestbed } from "./fixtures/testbed";
import { recheckStoredEvents } from "./fixtures/stored-events";

// The archive joins a public world_readable room on hs1 over real federation (make_join,
// send_join v2, TLS both ways); messages then sent on hs1 and hs2 reach it through /send and
// are stored verified. Its inbound checks answer JSON errors and it keeps serving.

test.describe.configure({ mode: "serial" });

let bed: Testbed;
let archive: RunningArchive;
useTestbed({ homeservers: 2, archive: { name: "archive1" } }, (ready) => ({ bed, archive } = ready));
let lobby: { roomId: string; lastEventId: string; sentAt: number } | undefined;

test("joins a world_readable room on hs1 and receives messages from both homeservers through /send", async () => {
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("two homeservers expected");
  const alice = await hs1.registerUser("alice");
  const bob = await hs2.registerUser("bob");
  const roomId = await alice.createRoom({ alias: "lobby", roomVersion: "11", name: "Lobby", topic: "Archived" });
  await bob.joinRoom(`#lobby:${hs1.serverName}`);
  await alice.waitForJoined(roomId, bob.userId);
  const earlier = await alice.sendMessages(roomId, ["before the archive 1", "before the archive 2"], { concurrency: 1 });

  const joined = await archive.admin<{ status: string; roomId: string; servers: string[] }>("join", { room: `#lobby:${hs1.serverName}` });
  expect(joined.status).toBe("joined");
  expect(joined.roomId).toBe(roomId);
  expect(joined.servers).toContain(hs2.serverName);
  await alice.waitForJoined(roomId, `@archive:${archive.serverName}`);

  const fromHs1 = await alice.sendMessage(roomId, "live from hs1");
  const fromHs2 = await bob.sendMessage(roomId, "live from hs2");
  const report = await expect
    .poll(
      async () => {
        const r = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
        return r.events
          .filter((e) => e.eventId === fromHs1 || e.eventId === fromHs2)
          .map((e) => e.source)
          .sort();
      },
      { timeout: 30_000, intervals: [250] },
    )
    .toEqual(["send", "send"]);
  void report;

  // The join started a bounded backfill in the background: the earlier messages arrive too.
  await expect
    .poll(
      async () =>
        (await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`)).events.filter((e) => earlier.includes(e.eventId)).map((e) => e.source),
      {
        timeout: 30_000,
        intervals: [250],
      },
    )
    .toEqual(["backfill", "backfill"]);

  const summary = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  expect(summary.room?.name).toBe("Lobby");
  expect(summary.room?.historyVisibility).toBe("world_readable");
  expect(summary.room?.worldReadableBy).toBe(alice.userId);
  expect(summary.room?.canonicalAlias).toBe(`#lobby:${hs1.serverName}`);
  const types = new Set(summary.events.map((e) => e.type));
  expect(types).toContain("m.room.create");
  expect(types).toContain("m.room.history_visibility");
  expect(summary.events.filter((e) => e.source === "join").length).toBeGreaterThan(3);
  // No event is stored twice.
  expect(new Set(summary.events.map((e) => e.eventId)).size).toBe(summary.events.length);

  // Independently re-verified from the store: IDs recomputed, signatures checked with keys fetched here.
  await archive.stop();
  const check = await recheckStoredEvents(archive, bed.homeservers, roomId);
  expect(check.failures).toEqual([]);
  expect(check.ids).toEqual(expect.arrayContaining([fromHs1, fromHs2, ...earlier]));
  await archive.start();
  lobby = { roomId, lastEventId: fromHs2, sentAt: Date.now() };
  // Synapse may have backed off while the archive was down; it keeps delivering afterwards.
  await hs1.resetConnection(archive.serverName);
  const after = await alice.sendMessage(roomId, "after a restart");
  await expect
    .poll(async () => (await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`)).events.some((e) => e.eventId === after), {
      timeout: 30_000,
      intervals: [250],
    })
    .toBe(true);
});

test("a room that is not world_readable is left and nothing of it is kept", async () => {
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const carol = await hs1.registerUser("carol");
  const roomId = await carol.createRoom({ alias: "private-ish", roomVersion: "11", worldReadable: false });
  const result = await archive.admin<{ status: string; historyVisibility?: string }>("join", { room: `#private-ish:${hs1.serverName}` });
  expect(result.status).toBe("not_world_readable");
  const report = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(roomId)}`);
  expect(report.room).toBeNull();
  // It joined to read the state, then left: hs1 records the archive's membership as leave.
  const member = await carol.request<{ membership: string }>(
    "GET",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.member/${encodeURIComponent(`@archive:${archive.serverName}`)}`,
  );
  expect(member.membership).toBe("leave");
});

test("inbound requests with bad auth or bad bodies get JSON 401/400/413 and the server keeps serving", async () => {
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const base = archive.front.url;
  const ca = bed.caFile;
  const caPem = readFileSync(ca);
  const send = (init: { method: string; path: string; headers?: Record<string, string>; body?: string | Buffer }) =>
    new Promise<{ status: number; type: string; json: { errcode?: string } }>((resolve, reject) => {
      // A declared length, as federation senders do: an oversized body is refused on its header.
      const headers = init.body === undefined ? init.headers : { ...init.headers, "Content-Length": String(Buffer.byteLength(init.body)) };
      const req = https.request(`${base}${init.path}`, { method: init.method, headers, ca: caPem, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), json: JSON.parse(Buffer.concat(chunks).toString()) });
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on("error", (err) => {
        // The server may answer and close before an oversized body is fully sent.
        if ((err as NodeJS.ErrnoException).code !== "EPIPE") reject(err);
      });
      req.end(init.body);
    });
  const txnPath = "/_matrix/federation/v1/send/bad-1";
  const content = { origin: hs1.serverName, origin_server_ts: Date.now(), pdus: [] };
  const body = JSON.stringify(content);

  const missing = await send({ method: "PUT", path: txnPath, body, headers: { "Content-Type": "application/json" } });
  expect([missing.status, missing.json.errcode]).toEqual([401, "M_UNAUTHORIZED"]);
  expect(missing.type).toContain("application/json");

  // Claims to be hs1 but signs with a key hs1 does not have: the signature cannot verify.
  const forger = generateSigningKey();
  const hs1Keys = await hs1.serverKeys();
  const realKeyId = Object.keys(hs1Keys.verify_keys)[0]!;
  const forged = buildXMatrixAuthorization(
    { method: "PUT", uri: txnPath, origin: hs1.serverName, destination: archive.serverName, content },
    { ...forger, keyId: realKeyId },
  );
  const wrongSig = await send({ method: "PUT", path: txnPath, body, headers: { Authorization: forged, "Content-Type": "application/json" } });
  expect([wrongSig.status, wrongSig.json.errcode]).toEqual([401, "M_UNAUTHORIZED"]);

  const elsewhere = buildXMatrixAuthorization(
    { method: "PUT", uri: txnPath, origin: hs1.serverName, destination: "someone.else:8448", content },
    { ...forger, keyId: realKeyId },
  );
  const wrongDest = await send({ method: "PUT", path: txnPath, body, headers: { Authorization: elsewhere, "Content-Type": "application/json" } });
  expect([wrongDest.status, wrongDest.json.errcode]).toEqual([401, "M_UNAUTHORIZED"]);

  const malformed = await send({ method: "PUT", path: txnPath, body: "{not json", headers: { Authorization: forged } });
  expect([malformed.status, malformed.json.errcode]).toEqual([400, "M_NOT_JSON"]);

  const huge = Buffer.alloc(9 * 1024 * 1024, 0x61);
  const oversized = await send({ method: "PUT", path: txnPath, body: huge, headers: { Authorization: forged } });
  expect([oversized.status, oversized.json.errcode]).toEqual([413, "M_TOO_LARGE"]);

  const unknown = await send({ method: "GET", path: "/_matrix/federation/v1/not_a_thing" });
  expect([unknown.status, unknown.json.errcode]).toEqual([404, "M_UNRECOGNIZED"]);

  // Still serving, signed key included.
  const key = await send({ method: "GET", path: "/_matrix/key/v2/server" });
  expect(key.status).toBe(200);
  const version = await send({ method: "GET", path: "/_matrix/federation/v1/version" });
  expect(version.status).toBe(200);
});

test("/send answers a result per PDU, stores the valid one, drops the forged one, and repeats its answer for a retried txnId", async () => {
  if (!lobby) throw new Error("the join test must run first");
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  // The archive's own key (the only server key this test holds) signs a PDU and the request.
  const key = parseSigningKeyFile(readFileSync(path.join(archive.dataDir, "signing.key"), "utf8"))[0]!;
  const origin = archive.serverName;
  // Authorized as a real server would send it: the auth events its sender's membership needs.
  const roomState = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(lobby.roomId)}`);
  const stateId = (type: string, stateKey = "") => roomState.currentState.find((s) => s.type === type && s.stateKey === stateKey)?.eventId;
  const authEvents = [stateId("m.room.create"), stateId("m.room.power_levels"), stateId("m.room.member", `@archive:${origin}`)];
  expect(authEvents.every((id) => id !== undefined)).toBe(true);
  const event: JsonObject = {
    type: "m.room.message",
    room_id: lobby.roomId,
    sender: `@archive:${origin}`,
    content: { msgtype: "m.notice", body: "signed by the archive" },
    origin_server_ts: Date.now(),
    depth: 100,
    prev_events: [lobby.lastEventId],
    auth_events: authEvents as string[],
  };
  const good = signEvent(event, "11", origin, key);
  const goodId = computeEventId(good, "11");
  // Changing a field the signature covers after signing: a different ID, and a signature that fails.
  const forged: JsonObject = { ...good, origin_server_ts: (good.origin_server_ts as number) + 1 };
  const forgedId = computeEventId(forged, "11");
  const txnPath = `/_matrix/federation/v1/send/${encodeURIComponent(`txn-${Date.now()}`)}`;
  const content: JsonObject = { origin, origin_server_ts: Date.now(), pdus: [good, forged], edus: [{ edu_type: "m.typing", content: {} }] };
  const auth = buildXMatrixAuthorization({ method: "PUT", uri: txnPath, origin, destination: origin, content }, key);
  const put = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        `${archive.front.url}${txnPath}`,
        { method: "PUT", ca: readFileSync(bed.caFile), headers: { Authorization: auth, "Content-Type": "application/json" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on("error", reject);
      req.end(canonicalJson(content));
    });
  const first = await put();
  expect(first.status).toBe(200);
  const results = (JSON.parse(first.body) as { pdus: Record<string, { error?: string }> }).pdus;
  expect(results[goodId]).toEqual({});
  expect(results[forgedId]?.error).toMatch(/M_INVALID_SIGNATURE/);
  const again = await put();
  expect(again.status).toBe(200);
  expect(JSON.parse(again.body)).toEqual(JSON.parse(first.body));

  const report = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(lobby.roomId)}`);
  expect(report.events.filter((e) => e.eventId === goodId).map((e) => e.source)).toEqual(["send"]);
  expect(report.events.some((e) => e.eventId === forgedId)).toBe(false);
});

test("directory and jump-to-date calls against Synapse: publicRooms and timestamp_to_event", async () => {
  if (!lobby) throw new Error("the join test must run first");
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  await expect
    .poll(
      async () =>
        (await archive.admin<{ chunk: { room_id: string }[] }>(`public_rooms?server=${encodeURIComponent(hs1.serverName)}`)).chunk.map((r) => r.room_id),
      {
        timeout: 15_000,
      },
    )
    .toContain(lobby.roomId);
  const found = await archive.admin<{ event_id: string; origin_server_ts: number } | null>("timestamp_to_event", {
    server: hs1.serverName,
    roomId: lobby.roomId,
    ts: 0,
    dir: "f",
  });
  // The first event of the room at or after the epoch is its create event.
  const report = await archive.admin<RoomReport>(`room?room_id=${encodeURIComponent(lobby.roomId)}`);
  expect(found?.event_id).toBe(report.events.find((e) => e.type === "m.room.create")?.eventId);
});

test("answers what resident servers ask of a joined server, and serves its store: profile, devices, keys, /event, /backfill, forwards_fill v1", async () => {
  if (!lobby) throw new Error("the join test must run first");
  const key = parseSigningKeyFile(readFileSync(path.join(archive.dataDir, "signing.key"), "utf8"))[0]!;
  const origin = archive.serverName;
  const call = (method: "GET" | "POST", uri: string, content?: JsonObject) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const auth = buildXMatrixAuthorization({ method, uri, origin, destination: origin, content }, key);
      const req = https.request(
        `${archive.front.url}${uri}`,
        { method, ca: readFileSync(bed.caFile), headers: { Authorization: auth, "Content-Type": "application/json" } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }));
        },
      );
      req.on("error", reject);
      req.end(content === undefined ? undefined : canonicalJson(content));
    });
  const user = `@archive:${origin}`;
  const profile = await call("GET", `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(user)}`);
  expect(profile).toEqual({ status: 200, json: { displayname: "Public archive" } });
  const devices = await call("GET", `/_matrix/federation/v1/user/devices/${encodeURIComponent(user)}`);
  expect(devices).toEqual({ status: 200, json: { user_id: user, stream_id: 0, devices: [] } });
  const keys = await call("POST", "/_matrix/federation/v1/user/keys/query", { device_keys: { [user]: [] } });
  expect(keys.status).toBe(200);
  expect(keys.json.device_keys).toEqual({ [user]: {} });

  const event = await call("GET", `/_matrix/federation/v1/event/${encodeURIComponent(lobby.lastEventId)}`);
  expect(event.status).toBe(200);
  const pdus = event.json.pdus as JsonObject[];
  expect(pdus.map((p) => computeEventId(p, "11"))).toEqual([lobby.lastEventId]);

  const back = await call("GET", `/_matrix/federation/v1/backfill/${encodeURIComponent(lobby.roomId)}?v=${encodeURIComponent(lobby.lastEventId)}&limit=3`);
  expect(back.status).toBe(200);
  const backIds = (back.json.pdus as JsonObject[]).map((p) => computeEventId(p, "11"));
  expect(backIds).toHaveLength(3);
  expect(backIds[0]).toBe(lobby.lastEventId);

  // Stable v1 path: the successors of the event two before, oldest first.
  const from = backIds[2]!;
  const forwards = await call(
    "GET",
    `/_matrix/federation/v1/forwards_fill/${encodeURIComponent(lobby.roomId)}?from_event_id=${encodeURIComponent(from)}&limit=2`,
  );
  expect(forwards.status).toBe(200);
  const forwardPdus = forwards.json.pdus as JsonObject[];
  expect(forwardPdus).toHaveLength(2);
  // Oldest first: the first one is a child of the given event.
  expect(forwardPdus[0]?.prev_events).toContain(from);
  expect(forwardPdus.map((p) => computeEventId(p, "11"))).not.toContain(from);

  const missing = await call("GET", `/_matrix/federation/v1/event/${encodeURIComponent("$notstoredanywhere")}`);
  expect([missing.status, missing.json.errcode]).toEqual([404, "M_NOT_FOUND"]);
});
