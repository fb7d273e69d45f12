import { readFileSync } from "node:fs";
import http from "node:http";
import { expect, test } from "@playwright/test";
import fc from "fast-check";
import { canonicalJson } from "../lib/matrix/canonical-json";
import { generateSigningKey, type SigningKey } from "../lib/matrix/signing-key";
import { buildXMatrixAuthorization } from "../lib/matrix/x-matrix";
import { type Testbed } from "../scripts/testbed/index";
import type { RunningArchive } from "./fixtures/archive";
import { startHostileServer, type HostileServer } from "./fixtures/hostile-server";
import { useTestbed } from "./fixtures/testbed";

// Hostile requests against a running production server (docs/limits.md): malformed, oversized,
// deeply nested, wrongly signed and replayed requests to every inbound federation route, and
// junk to every public route. Whatever arrives, no answer is a 5xx, the server stays up, and
// its memory comes back near where it started. Then the limits themselves: one origin's or one
// client's flood gets 429s while another keeps being served.
//
// CI runs a fixed seed and a few hundred requests (well under two minutes). A long run:
//   HOSTILE_RUNS=5000 HOSTILE_SEED=random npm run test:fuzz
// (HOSTILE_SEED is a number or `random`; the seed used is printed, so a failure can be replayed.)

test.describe.configure({ mode: "serial" });

const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);
const SEED = process.env.HOSTILE_SEED === "random" ? Date.now() % 2 ** 31 : Number(process.env.HOSTILE_SEED ?? 20261202);
/** RSS may grow this much over the baseline and still count as "back" (heap that V8 keeps, caches). */
const RSS_SLACK_KB = 160 * 1024;

let bed: Testbed;
let archive: RunningArchive;
let mallory: HostileServer;
let eve: HostileServer;
let alias = "";
useTestbed(
  {
    homeservers: 1,
    archive: {
      name: "archive-hostile",
      env: () => ({
        // Requests here name their client in X-Forwarded-For, as a trusted proxy would.
        TRUSTED_PROXY_CLIENT_HEADER: "x-forwarded-for",
        GAP_FILLS_PER_CLIENT_PER_MINUTE: "20",
        DAY_FILLS_PER_CLIENT_PER_MINUTE: "30",
        MEDIA_FETCHES_PER_CLIENT_PER_MINUTE: "10",
        // A window long enough that a burst from this process lands in one, however loaded the machine.
        FEDERATION_RC_WINDOW_MS: "10000",
        LOG_LEVEL: "warn",
      }),
    },
  },
  (ready) => ({ bed, archive } = ready),
);

test.afterAll(async () => {
  await Promise.all([mallory?.stop(), eve?.stop()].map((p) => p?.catch(() => {})));
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request to the archive (no TLS front, so no proxy limit on bodies gets in the way). */
function send(init: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; chunked?: boolean }): Promise<Answer> {
  const url = new URL(archive.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined && !init.chunked) headers["content-length"] = String(Buffer.byteLength(init.body));
    const req = http.request({ host: url.hostname, port: url.port, method: init.method, path: init.path, headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${init.method} ${init.path}`)));
    req.on("error", (err) => {
      // The server may answer and close before an oversized body is all sent.
      if ((err as NodeJS.ErrnoException).code === "EPIPE" || (err as NodeJS.ErrnoException).code === "ECONNRESET")
        resolve({ status: 413, headers: {}, body: "" });
      else reject(err);
    });
    req.end(init.body);
  });
}

function rssKb(): number {
  const pid = archive.pid();
  if (!pid) throw new Error("the archive is not running");
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Number(/(\d+)/.exec(line ?? "")?.[1] ?? NaN);
}

async function alive(): Promise<boolean> {
  const res = await send({ method: "GET", path: "/healthz" }).catch(() => null);
  return res?.status === 200;
}

const sign = (server: { serverName: string; key: SigningKey }, method: string, uri: string, content?: unknown, destination = archive.serverName) =>
  buildXMatrixAuthorization({ method, uri, origin: server.serverName, destination, content: content as never }, server.key);

// Every inbound federation route, with a slot for a fuzzed path parameter.
const FEDERATION_ROUTES: Array<{ method: "GET" | "PUT" | "POST"; path: (p: string) => string }> = [
  { method: "PUT", path: (p) => `/_matrix/federation/v1/send/${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/backfill/${p}?v=${p}&limit=5` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/forwards_fill/${p}?v=${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/org.matrix.msc4000/forwards_fill/${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/event/${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/state_ids/${p}?event_id=${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/query/profile?user_id=${p}&field=displayname` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/user/devices/${p}` },
  { method: "POST", path: () => `/_matrix/federation/v1/user/keys/query` },
  { method: "POST", path: () => `/_matrix/federation/v1/user/keys/claim` },
  { method: "GET", path: () => `/_matrix/key/v2/server` },
  { method: "GET", path: () => `/_matrix/federation/v1/version` },
  { method: "POST", path: (p) => `/_matrix/archive/v1/admin/${p}` },
  { method: "GET", path: (p) => `/_matrix/federation/v1/${p}` },
];

/**
 * Percent-encodes what can be encoded; a lone surrogate becomes the bytes UTF-8 would give it,
 * which do not percent-decode (the front server answers such paths 400 before Next.js's router,
 * lib/front/path-guard.ts).
 */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return "%ED%A0%80";
  }
}

const segment = fc.oneof(
  fc.string({ maxLength: 40 }).map(encode),
  fc.constantFrom("%25", "%2500", "%00", "..", "%2e%2e%2f", "!room:hs.test", "$event", "@user:hs.test", "a".repeat(5000)),
  fc.constantFrom("%", "%zz", "%E0%A4%A", "%ED%A0%80", "a%", "%%30", "%C0%AF"),
  fc.string({ maxLength: 20, unit: "binary" }).map((s) => encode(s).replace(/%2F/gi, "/")),
);

const deepJson = fc.integer({ min: 100, max: 20_000 }).map((n) => "[".repeat(n) + "]".repeat(n));
const jsonBody = fc.oneof(
  fc.json({ maxDepth: 6 }),
  deepJson,
  fc.integer({ min: 100, max: 20_000 }).map((n) => `{"a":`.repeat(n) + "1" + "}".repeat(n)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom("", "{", "{}", "null", '{"pdus":[]}', '{"origin":1,"pdus":"x"}', '{"a":"\\ud800"}', "\u0000", '{"a":1e999999}'),
  fc
    .record({
      origin: fc.string({ maxLength: 30 }),
      origin_server_ts: fc.anything({ maxDepth: 1 }),
      pdus: fc.array(fc.object({ maxDepth: 3 }), { maxLength: 60 }),
      edus: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 110 }),
    })
    .map((o) => JSON.stringify(o)),
);
const bytesBody = fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b));

type AuthKind = "none" | "garbage" | "malformed" | "unknown-key" | "wrong-sig" | "wrong-destination" | "valid";
const authKind = fc.constantFrom<AuthKind>("none", "garbage", "malformed", "unknown-key", "wrong-sig", "wrong-destination", "valid");

test("fuzzed federation requests: no 5xx, the server stays up, memory comes back", async () => {
  test.setTimeout(90_000 + RUNS * 500);
  mallory = await startHostileServer(bed, { localpart: "mallory" });
  eve = await startHostileServer(bed, { localpart: "eve" });
  // Warm up: both origins' keys fetched once, pages compiled into memory.
  for (const server of [mallory, eve]) {
    const uri = "/_matrix/federation/v1/event/$warm";
    expect((await send({ method: "GET", path: uri, headers: { authorization: sign(server, "GET", uri) } })).status).toBe(404);
  }
  const baseline = rssKb();
  console.log(`hostile-requests: seed ${SEED}, ${RUNS} runs, baseline RSS ${Math.round(baseline / 1024)} MiB`);

  const fivexx: string[] = [];
  const sent: Array<{ method: string; path: string; headers: Record<string, string>; body?: string | Buffer }> = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...FEDERATION_ROUTES),
      segment,
      authKind,
      fc.oneof(jsonBody, bytesBody),
      fc.boolean(),
      fc.nat(),
      async (route, param, auth, body, asObject, pick) => {
        const path = route.path(param);
        const server = pick % 2 === 0 ? mallory : eve;
        let content = route.method === "GET" ? undefined : asObject && typeof body === "string" ? tryParse(body) : undefined;
        let payload = route.method === "GET" ? undefined : body;
        if (content !== undefined) {
          try {
            payload = canonicalJson(content);
          } catch {
            // too deep for this process to canonicalize: sent as it came, signed without content
            content = undefined;
          }
        }
        const headers: Record<string, string> = { "content-type": "application/json" };
        const other = generateSigningKey();
        if (auth === "garbage")
          headers.authorization = String(body)
            .slice(0, 300)
            .replace(/[^\x20-\x7e]/g, "");
        if (auth === "malformed") headers.authorization = `X-Matrix origin="${server.serverName}",key=,sig`;
        if (auth === "unknown-key") headers.authorization = sign({ serverName: server.serverName, key: other }, route.method, path, content);
        if (auth === "wrong-sig") headers.authorization = sign(server, route.method, path, { different: true });
        if (auth === "wrong-destination") headers.authorization = sign(server, route.method, path, content, "elsewhere.test");
        if (auth === "valid") headers.authorization = sign(server, route.method, path, content);
        const request = { method: route.method, path, headers, body: payload };
        sent.push(request);
        const res = await send(request);
        if (res.status >= 500) fivexx.push(`${res.status} ${route.method} ${path.slice(0, 120)} (${auth}): ${res.body.slice(0, 200)}`);
        // Errors under /_matrix are JSON (Synapse backs off a peer that answers HTML); a redirect of
        // a trailing slash (Next.js's 308) carries no body.
        if (path.startsWith("/_matrix/") && res.status >= 400)
          expect(res.headers["content-type"] ?? "", `${res.status} ${route.method} ${path}`).toContain("application/json");
      },
    ),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );

  // Replays: the same signed requests again, in a burst (a repeated /send txnId gets its stored
  // answer; a request replayed to another path fails its signature).
  const replays = sent.filter((r) => r.headers.authorization?.startsWith("X-Matrix")).slice(0, 60);
  for (const r of await Promise.all(replays.map((r) => send(r)))) if (r.status >= 500) fivexx.push(`${r.status} replay`);
  for (const r of replays.slice(0, 10)) {
    const moved = await send({ ...r, path: "/_matrix/federation/v1/event/$elsewhere" });
    expect([400, 401, 404, 405, 429]).toContain(moved.status);
  }

  // Oversized and slow bodies, many at once: refused (413, or 429 past the body budget), never buffered whole.
  const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
  const sendPath = "/_matrix/federation/v1/send/huge";
  const big = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      send({
        method: "PUT",
        path: `${sendPath}${i}`,
        headers: { authorization: sign(mallory, "PUT", `${sendPath}${i}`, {}) },
        body: huge,
        chunked: i % 2 === 0,
      }),
    ),
  );
  expect(big.every((r) => r.status === 413 || r.status === 429)).toBe(true);

  expect(fivexx).toEqual([]);
  expect(await alive()).toBe(true);
  await expect.poll(rssKb, { timeout: 30_000, intervals: [1_000] }).toBeLessThan(baseline + RSS_SLACK_KB);
  console.log(`hostile-requests: federation done, RSS ${Math.round(rssKb() / 1024)} MiB`);
});

function tryParse(text: string): unknown {
  if (text.length > 100_000) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

test("fuzzed public requests: no 5xx, the server stays up, memory comes back", async () => {
  test.setTimeout(90_000 + RUNS * 500);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const alice = await hs1.registerUser("alice");
  const roomId = await alice.createRoom({ alias: "hostile", roomVersion: "11", name: "Hostile" });
  await alice.sendMessages(roomId, 5, { concurrency: 1, prefix: "hello" });
  const joined = await archive.admin<{ status: string }>("join", { room: `#hostile:${hs1.serverName}`, backfill: 0 });
  expect(joined.status).toBe("joined");
  alias = encodeURIComponent(`hostile:${hs1.serverName}`);
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
  expect((await send({ method: "GET", path: `/r/${alias}/date/${today}`, headers: { "x-forwarded-for": "192.0.2.1" } })).status).toBe(200);
  const baseline = rssKb();

  const room = fc.oneof(fc.constant(alias), fc.constant(encodeURIComponent(roomId)), segment);
  const date = fc.oneof(
    fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
      .map(([y, m, d]) => `${y}/${String(m).padStart(2, "0")}/${String(d).padStart(2, "0")}`),
    fc.date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10).replace(/-/g, "/")),
    fc.constant(today),
  );
  const path = fc.oneof(
    fc.tuple(room, date, fc.option(segment)).map(([r, d, c]) => `/r/${r}/date/${d}${c ? `?after=${c}` : ""}`),
    fc.tuple(room, date).map(([r, d]) => `/roomid/${r}/date/${d}T12:30`),
    fc.tuple(room, segment).map(([r, s]) => `/r/${r}/event/${s}`),
    fc.tuple(room, fc.constantFrom("room.ndjson", "2026-01-01.json", "2026-01-01.txt", "x"), segment).map(([r, f]) => `/r/${r}/export/${f}`),
    fc.tuple(room, segment).map(([r, s]) => `/r/${r}/thread/${s}`),
    fc.tuple(room, segment).map(([r, q]) => `/r/${r}/search?q=${q}`),
    room.map((r) => `/r/${r}/feed.xml`),
    room.map((r) => `/r/${r}`),
    room.map((r) => `/roomid/${r}`),
    segment.map((q) => `/search?q=${q}`),
    fc.tuple(segment, segment, fc.string({ maxLength: 12 })).map(([s, m, t]) => `/media/${s}/${m}?thumbnail=${encodeURIComponent(t)}`),
    segment.map((s) => `/sitemap-room/${s}`),
    fc.constantFrom("/", "/sitemap.xml", "/robots.txt", "/healthz", "/?q=%00"),
    segment.map((s) => `/${s}`),
  );
  const gapBody = fc.oneof(
    jsonBody,
    fc.record({ roomId: fc.oneof(fc.constant(roomId), fc.string()), gapId: fc.oneof(fc.nat().map(String), fc.string()) }).map((o) => JSON.stringify(o)),
  );

  const fivexx: string[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        path.map((p) => ({ kind: "get" as const, p })),
        gapBody.map((b) => ({ kind: "fill" as const, b })),
      ),
      fc.boolean(),
      fc.nat(),
      async (req, form, client) => {
        // A client of its own for most requests, so that the per-client limits rarely engage here.
        const headers = { "x-forwarded-for": `198.18.${client % 250}.${(client >> 8) % 250}` };
        const res =
          req.kind === "get"
            ? await send({ method: "GET", path: req.p, headers })
            : await send({
                method: "POST",
                path: "/api/gaps/fill",
                headers: { ...headers, "content-type": form ? "application/x-www-form-urlencoded" : "application/json" },
                body: form ? `roomId=${encodeURIComponent(roomId)}&gapId=${encodeURIComponent(req.b.slice(0, 30))}&back=${encodeURIComponent(req.b)}` : req.b,
              });
        if (res.status >= 500)
          fivexx.push(`${res.status} ${req.kind === "get" ? req.p.slice(0, 160) : `fill ${req.b.slice(0, 80)}`}: ${res.body.slice(0, 200)}`);
      },
    ),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  const oversized = await send({
    method: "POST",
    path: "/api/gaps/fill",
    headers: { "content-type": "application/json" },
    body: Buffer.alloc(8 * 1024 * 1024, 0x20),
  });
  // Refused on its declared length (the connection may be closed before all of it is sent).
  expect([400, 413]).toContain(oversized.status);

  expect(fivexx).toEqual([]);
  expect(await alive()).toBe(true);
  await expect.poll(rssKb, { timeout: 30_000, intervals: [1_000] }).toBeLessThan(baseline + RSS_SLACK_KB);
  console.log(`hostile-requests: public done, RSS ${Math.round(rssKb() / 1024)} MiB (baseline ${Math.round(baseline / 1024)} MiB)`);
});

test("one origin's flood gets 429 M_LIMIT_EXCEEDED with retry_after_ms while another origin is served", async () => {
  test.setTimeout(60_000);
  const uri = "/_matrix/federation/v1/event/$flood";
  const get = (server: HostileServer) => send({ method: "GET", path: uri, headers: { authorization: sign(server, "GET", uri) } });
  const flood = await Promise.all(Array.from({ length: 120 }, () => get(mallory)));
  const refused = flood.filter((r) => r.status === 429);
  expect(refused.length).toBeGreaterThan(0);
  const body = JSON.parse(refused[0]!.body) as { errcode: string; retry_after_ms: number };
  expect(body.errcode).toBe("M_LIMIT_EXCEEDED");
  expect(body.retry_after_ms).toBeGreaterThan(0);
  expect(flood.every((r) => r.status === 404 || r.status === 429)).toBe(true);
  const trent = await startHostileServer(bed, { localpart: "trent" });
  const calm = await Promise.all(Array.from({ length: 5 }, () => get(trent)));
  await trent.stop();
  expect(calm.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);
});

test("one client's flood of gap fills and new days gets 429 with Retry-After while another client is served", async () => {
  test.setTimeout(60_000);
  const fill = (client: string) =>
    send({
      method: "POST",
      path: "/api/gaps/fill",
      headers: { "x-forwarded-for": client, "content-type": "application/json" },
      body: JSON.stringify({ roomId: "!nowhere:hs.test", gapId: "1" }),
    });
  const fills = [];
  for (let i = 0; i < 25; i++) fills.push(await fill("203.0.113.5"));
  expect(fills.slice(0, 20).map((r) => r.status)).toEqual(Array(20).fill(404));
  const refused = fills.slice(20);
  expect(refused.map((r) => r.status)).toEqual(Array(5).fill(429));
  expect(Number(refused[0]!.headers["retry-after"])).toBeGreaterThan(0);
  expect((JSON.parse(refused[0]!.body) as { errcode: string }).errcode).toBe("M_LIMIT_EXCEEDED");
  expect((await fill("203.0.113.6")).status).toBe(404);

  // Days of the year 2000 (before the room was created: they fill nothing, but they are new days).
  const day = (client: string, n: number) =>
    send({
      method: "GET",
      path: `/r/${alias}/date/2000/${n <= 31 ? "01" : "02"}/${String(n <= 31 ? n : n - 31).padStart(2, "0")}`,
      headers: { "x-forwarded-for": client },
    });
  const days = [];
  for (let n = 1; n <= 40; n++) days.push(await day("203.0.113.7", n));
  const firstRefused = days.findIndex((r) => r.status === 429);
  // 30 new days a minute (a fuzzed request above may have opened one of these days already).
  expect(firstRefused).toBeGreaterThanOrEqual(30);
  expect(days.slice(0, firstRefused).every((r) => r.status < 500)).toBe(true);
  const page = days[firstRefused]!;
  expect(page.headers["content-type"]).toContain("text/html");
  expect(page.body).toContain("Too many requests");
  expect(Number(page.headers["retry-after"])).toBeGreaterThan(0);
  // Another client opening another new day is served; a day this process rendered lately costs nothing.
  expect((await send({ method: "GET", path: `/r/${alias}/date/2000/03/01`, headers: { "x-forwarded-for": "203.0.113.8" } })).status).not.toBe(429);
  expect((await day("203.0.113.7", 1)).status).toBe(days[0]!.status);
});

test("one client's flood of media fetches gets 429 while another client is served", async () => {
  test.setTimeout(90_000);
  const [hs1] = bed.homeservers;
  if (!hs1) throw new Error("hs1 expected");
  const mia = await hs1.registerUser("mia");
  const roomId = await mia.createRoom({ alias: "hostile-media", roomVersion: "11", name: "Hostile media" });
  expect((await archive.admin<{ status: string }>("join", { room: `#hostile-media:${hs1.serverName}`, backfill: 0 })).status).toBe("joined");
  // An image whose file the homeserver does not have: every request for it is a federation
  // fetch (a 404 from the media's server is not cached on disk).
  const mediaId = "nosuchfile";
  await mia.sendEvent(roomId, "m.room.message", { msgtype: "m.image", body: "gone.png", url: `mxc://${hs1.serverName}/${mediaId}` });
  const path = `/media/${encodeURIComponent(hs1.serverName)}/${mediaId}`;
  const ask = (client: string) => send({ method: "GET", path, headers: { "x-forwarded-for": client } });
  // Until the message has arrived, the proxy answers "no archived message uses this media", without a fetch.
  const deadline = Date.now() + 30_000;
  let first = await ask("203.0.113.20");
  while (first.body.includes("no archived message") && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    first = await ask("203.0.113.20");
  }
  expect(first.status).toBe(404);
  expect(first.body).not.toContain("no archived message");

  const flood = [];
  for (let i = 0; i < 12; i++) flood.push(await ask("203.0.113.21"));
  expect(flood.map((r) => r.status)).toEqual([...Array<number>(10).fill(404), 429, 429]);
  const refused = flood[10]!;
  expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
  expect(JSON.parse(refused.body)).toMatchObject({ errcode: "M_LIMIT_EXCEEDED" });
  expect((JSON.parse(refused.body) as { retry_after_ms: number }).retry_after_ms).toBeGreaterThan(0);
  // Another client still gets the media server's own answer.
  expect((await ask("203.0.113.22")).status).toBe(404);
});
