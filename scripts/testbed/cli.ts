/**
 * Starts the federation test bed with seeded users and rooms, prints where everything is, and
 * keeps it running until Ctrl-C (or SIGTERM). The demo builds on it.
 *
 *   npx tsx scripts/testbed/cli.ts [--homeservers 2] [--messages 20] [--front-upstream 3000] [--json] [--keep]
 *
 * --front-upstream PORT  also start the nginx TLS front for a plain-HTTP server on PORT and print
 *                        the environment an archive behind it needs.
 * --json                 print one line `TESTBED_READY {...}` with everything, for scripts.
 * --keep                 keep the run folder (configs, databases, logs) after exit.
 */
import { parseArgs } from "node:util";
import { startTestbed, type TlsFront } from "./index";
import { seed } from "./seed";

const { values } = parseArgs({
  options: {
    homeservers: { type: "string", default: "2" },
    messages: { type: "string", default: "20" },
    "front-upstream": { type: "string" },
    json: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});

const count = Number(values.homeservers);
const messages = Number(values.messages);
if (!Number.isInteger(count) || count < 1 || count > 10) throw new Error("--homeservers must be 1..10");
if (!Number.isInteger(messages) || messages < 0) throw new Error("--messages must be a number ≥ 0");

const log = (line: string) => console.error(`[testbed] ${line}`);
const bed = await startTestbed({ homeservers: count, keepRunDir: values.keep, log });

let stopping = false;
const shutdown = async (code: number) => {
  if (stopping) return;
  stopping = true;
  log("stopping…");
  try {
    await bed.stop();
  } finally {
    process.exit(code);
  }
};
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  const seeded = await seed(bed.homeservers, { messagesPerRoom: messages });
  let front: TlsFront | undefined;
  if (values["front-upstream"]) front = await bed.startTlsFront({ upstreamPort: Number(values["front-upstream"]) });

  const summary = {
    runDir: bed.runDir,
    caFile: bed.caFile,
    homeservers: bed.homeservers.map((hs) => ({
      name: hs.name,
      serverName: hs.serverName,
      clientUrl: hs.clientUrl,
      federationUrl: hs.federationUrl,
      logFile: hs.logFile,
      pid: hs.pid,
    })),
    users: seeded.users.map((u) => ({ userId: u.userId, password: u.password, accessToken: u.accessToken, clientUrl: u.host.clientUrl })),
    rooms: seeded.rooms.map((r) => ({ roomId: r.roomId, alias: r.alias, messages: r.eventIds.length })),
    front: front ? { serverName: front.serverName, url: front.url, port: front.port } : undefined,
    archiveEnv: front ? bed.archiveEnv(front) : undefined,
  };
  if (values.json) {
    console.log(`TESTBED_READY ${JSON.stringify(summary)}`);
  } else {
    console.log("Federation test bed is up.\n");
    for (const hs of summary.homeservers) {
      console.log(`  ${hs.name}  ${hs.serverName}\n      client API  ${hs.clientUrl}\n      federation  ${hs.federationUrl}\n      log         ${hs.logFile}`);
    }
    console.log('\n  users (password "password"):');
    for (const u of summary.users) console.log(`      ${u.userId}  on ${u.clientUrl}`);
    console.log("\n  rooms (public, world_readable):");
    for (const r of summary.rooms) console.log(`      ${r.alias}  ${r.roomId}  (${r.messages} messages)`);
    if (front) {
      console.log(`\n  TLS front   ${front.url}  (server name ${front.serverName}) -> http://127.0.0.1:${values["front-upstream"]}`);
      console.log("  archive env:");
      for (const [k, v] of Object.entries(summary.archiveEnv ?? {})) console.log(`      ${k}=${v}`);
    }
    console.log(`\n  CA file     ${bed.caFile}\n  run folder  ${bed.runDir}\n\nCtrl-C stops everything.`);
  }
} catch (err) {
  console.error(err);
  await shutdown(1);
}

// The servers' child processes do not keep Node alive (they are unref'd so tests never hang);
// this check does, and ends the CLI if a server dies under it.
const watchdog = setInterval(() => {
  const dead = bed.homeservers.find((hs) => !hs.running);
  if (dead && !stopping) {
    log(`${dead.name} stopped unexpectedly; see ${dead.logFile}`);
    clearInterval(watchdog);
    void shutdown(1);
  }
}, 2_000);
