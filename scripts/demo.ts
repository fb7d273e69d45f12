/**
 * The demo: two local Synapse homeservers with seeded public rooms, the archive on embedded
 * PGlite (under .data/demo) behind a real TLS front, and the URL to open. Runs until Ctrl-C,
 * then stops everything it started.
 */
import path from "node:path";
import { freeTcpPort, startArchiveServer, ROOT } from "./archive/server";
import { startTestbed } from "./testbed/index";

const log = (line: string) => console.log(`[demo] ${line}`);

async function main() {
  const bed = await startTestbed({ homeservers: 2, log });
  const stops: (() => Promise<void>)[] = [() => bed.stop()];
  const shutdown = async (code: number) => {
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
    process.exit(code);
  };
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));

  try {
    const [hs1, hs2] = bed.homeservers;
    if (!hs1 || !hs2) throw new Error("the demo needs two homeservers");
    const alice = await hs1.registerUser("alice");
    const bob = await hs2.registerUser("bob");

    const lobby = await alice.createRoom({ alias: "lobby", name: "Lobby", topic: "Say hello: this room is archived" });
    await bob.joinRoom(lobby, { via: [hs1.serverName] });
    await alice.sendMessages(lobby, ["Welcome to the lobby!", "This room's history is world readable."], { concurrency: 1 });
    await bob.sendMessages(lobby, ["Hello from the second homeserver.", "Federation works."], { concurrency: 1 });
    await alice.sendMessages(lobby, 20, { prefix: "Chatter", concurrency: 1 });
    await alice.createRoom({ alias: "members", name: "Members only", worldReadable: false });
    log(`seeded #lobby:${hs1.serverName} and a members-only room on ${hs1.serverName}`);

    // The front must exist first: its port is part of the archive's server name.
    const upstreamPort = await freeTcpPort();
    const front = await bed.startTlsFront({ upstreamPort });
    const archive = await startArchiveServer({
      port: upstreamPort,
      env: { ...bed.archiveEnv(front), DATA_DIR: path.join(ROOT, ".data", "demo"), ARCHIVE_BASE_URL: `http://127.0.0.1:${upstreamPort}` },
      logFile: path.join(bed.runDir, "archive.log"),
    });
    stops.push(() => archive.stop());

    console.log(`
The archive is running.
  Open:                  ${archive.url}/
  Federation (TLS):      ${front.url}  (server name ${front.serverName})
  Homeservers:           ${hs1.clientUrl} (${hs1.serverName}), ${hs2.clientUrl} (${hs2.serverName})
  Logs:                  ${bed.runDir}
Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(err);
    await shutdown(1);
  }
}

void main();
