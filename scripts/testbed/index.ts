/**
 * Federation test bed: real Synapse homeservers on 127.0.0.1 federating over TLS, plus an nginx
 * TLS front for the archive. Used by e2e tests, benchmarks and the demo.
 *
 *   const bed = await startTestbed({ homeservers: 2 });
 *   try {
 *     const [hs1, hs2] = bed.homeservers;            // Homeserver (./homeserver.ts)
 *     const alice = await hs1.registerUser("alice"); // MatrixUser (./matrix-client.ts)
 *     const bob = await hs2.registerUser("bob");
 *     const roomId = await alice.createRoom({ alias: "lobby", roomVersion: "11" }); // public, world_readable
 *     await bob.joinRoom(roomId, { via: [hs1.serverName] });
 *     const ids = await alice.sendMessages(roomId, 200, { concurrency: 8 });  // event IDs, input order
 *     await bob.waitForEvent(roomId, ids.at(-1)!);
 *     const page = await bob.messages(roomId, { federationFormat: true });  // PDUs with prev_events…
 *     await hs2.restart();                                                   // also stop(), start()
 *     const split = await bed.netsplit({ a: hs1, b: hs2, sender: alice, observer: bob, roomId }); // real gap
 *     await hs1.resetConnection(hs2.serverName);          // admin: clear backoff, wake the sender
 *     const front = await bed.startTlsFront({ upstreamPort: 3000 }); // { port, serverName, url, stop }
 *   } finally {
 *     await bed.stop();                                  // kills everything, removes the run folder
 *   }
 *
 * Homeserver: name (hs1…), serverName `localhost:<TLS port>`, clientUrl (plain HTTP, client +
 * admin API), federationUrl (TLS: federation + client), logFile, dir, start/stop/restart,
 * registerUser(localpart, {admin?, password?}), adminUser(), resetConnection(dest),
 * destination(dest), federationGet(path), serverKeys().
 * MatrixUser: userId, accessToken, createRoom, joinRoom, leaveRoom, sendEvent (state with
 * stateKey), sendMessage, sendMessages (bounded concurrency, returns IDs), messages (one page;
 * federationFormat adds prev_events/auth_events/depth/hashes/signatures), timeline (all, oldest
 * first), messageBodies, getEvent (local store only), waitForEvent, waitForJoined, publicRooms,
 * resolveAlias, request (escape hatch).
 * Testbed: homeservers, runDir, caFile (trust it for outbound federation: FEDERATION_CA_FILE),
 * archiveEnv(front) (env for an archive behind a front), startTlsFront, netsplit, stop.
 *
 * Everything a run writes (configs, SQLite databases, logs, certificate) lives in a fresh
 * mkdtemp folder, removed by stop() unless `keepRunDir` (or TESTBED_KEEP_RUN_DIR=1) is set.
 * Processes are killed on stop(), on process exit and on signals, and (through PR_SET_PDEATHSIG)
 * even when this process is SIGKILLed.
 */
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { makeCertificate } from "./certs";
import { onProcessExit } from "./cleanup";
import { Homeserver } from "./homeserver";
import { ensureNginx, ensureSynapse } from "./install";
import { netsplit, type NetsplitOptions, type NetsplitResult } from "./netsplit";
import { freePort } from "./ports";
import { makeRunDir } from "./run-dir";
import { startTlsFront, type TlsFront, type TlsFrontOptions } from "./tls-front";
import { rmSync } from "node:fs";

export { Homeserver } from "./homeserver";
export { MatrixUser, type MatrixEvent, type MessagesPage, type CreateRoomOptions, type MessagesOptions } from "./matrix-client";
export { MatrixApiError, httpRequest, jsonRequest } from "./http";
export { waitFor, tailFile, TestbedError } from "./wait";
export type { TlsFront, TlsFrontOptions } from "./tls-front";
export type { NetsplitOptions, NetsplitResult } from "./netsplit";
export { ensureSynapse, ensureNginx } from "./install";
export { seed, type Seeded, type SeedOptions } from "./seed";

export interface TestbedOptions {
  /** Number of Synapse servers (default 2). */
  homeservers?: number;
  /** Extra homeserver.yaml settings per server (index from 0), merged over the generated ones. */
  extraConfig?: (index: number) => Record<string, unknown> | undefined;
  /** Keep the run folder after stop() for inspection (also TESTBED_KEEP_RUN_DIR=1). */
  keepRunDir?: boolean;
  /** Progress lines ("hs1 ready in 1.4 s"); silent by default. */
  log?: (line: string) => void;
}

export interface Testbed {
  readonly runDir: string;
  readonly homeservers: readonly Homeserver[];
  /** The run's self-signed certificate (PEM), the CA for every TLS listener of the bed. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** Starts nginx terminating TLS for a plain-HTTP upstream; stopped with the bed. */
  startTlsFront(opts: TlsFrontOptions): Promise<TlsFront>;
  /** The netsplit recipe between two of the bed's servers; see ./netsplit.ts. */
  netsplit(opts: NetsplitOptions & { a: Homeserver; b: Homeserver }): Promise<NetsplitResult>;
  /** Environment for an archive served behind `front` that federates with this bed. */
  archiveEnv(front: TlsFront): Record<string, string>;
  /** Log files of everything started so far (for attaching to a failed test). */
  logFiles(): string[];
  stop(): Promise<void>;
}

export async function startTestbed(opts: TestbedOptions = {}): Promise<Testbed> {
  const count = opts.homeservers ?? 2;
  const log = opts.log ?? (() => {});
  const keep = opts.keepRunDir ?? process.env.TESTBED_KEEP_RUN_DIR === "1";
  const t0 = Date.now();
  const python = await ensureSynapse();
  log(`synapse venv ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const runDir = await makeRunDir();
  // Removes the folder if the process dies before stop(); stop() unregisters it.
  const unregisterRm = onProcessExit(() => {
    if (!keep) rmSync(runDir, { recursive: true, force: true });
  });
  const homeservers: Homeserver[] = [];
  const fronts: TlsFront[] = [];
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // allSettled: one server failing to stop must not leave the others running.
    const results = await Promise.allSettled([...fronts.map((f) => f.stop()), ...homeservers.map((hs) => hs.stop())]);
    unregisterRm();
    if (!keep) await rm(runDir, { recursive: true, force: true });
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };

  try {
    const tlsDir = path.join(runDir, "tls");
    await mkdir(tlsDir);
    const cert = await makeCertificate(tlsDir);
    for (let i = 0; i < count; i++) {
      const name = `hs${i + 1}`;
      const hs = new Homeserver({
        name,
        dir: path.join(runDir, name),
        python,
        clientPort: await freePort(),
        federationPort: await freePort(),
        certFile: cert.certFile,
        keyFile: cert.keyFile,
        extraConfig: opts.extraConfig?.(i),
      });
      await hs.writeConfig();
      homeservers.push(hs);
    }
    const t1 = Date.now();
    await Promise.all(homeservers.map((hs) => hs.start()));
    log(`${count} homeservers ready in ${((Date.now() - t1) / 1000).toFixed(1)} s (${homeservers.map((h) => h.serverName).join(", ")}); run folder ${runDir}`);

    let nginx: string | undefined;
    return {
      runDir,
      homeservers,
      caFile: cert.certFile,
      certFile: cert.certFile,
      keyFile: cert.keyFile,
      async startTlsFront(frontOpts) {
        nginx ??= await ensureNginx();
        const dir = path.join(runDir, `front-${fronts.length + 1}`);
        const front = await startTlsFront({ nginx, dir, certFile: cert.certFile, keyFile: cert.keyFile }, frontOpts);
        fronts.push(front);
        log(`TLS front ${front.url} -> http://${frontOpts.upstreamHost ?? "127.0.0.1"}:${frontOpts.upstreamPort}`);
        return front;
      },
      netsplit: ({ a, b, ...rest }) => netsplit(a, b, rest),
      archiveEnv(front) {
        return {
          ARCHIVE_SERVER_NAME: front.serverName,
          FEDERATION_CA_FILE: cert.certFile,
          FEDERATION_ALLOW_PRIVATE_ADDRESSES: "loopback",
          DIRECTORY_SERVERS: homeservers.map((h) => h.serverName).join(","),
        };
      },
      logFiles: () => [...homeservers.map((h) => h.logFile), ...fronts.flatMap((f) => [f.logFile, f.accessLogFile])],
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}
