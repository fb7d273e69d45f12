/**
 * The demo: two local Synapse homeservers with the seed's story (several days of conversation,
 * an image, an edit, a reply across days, a redaction), the archive on embedded PGlite (a fresh
 * .data/demo each run) behind a real TLS front, joined to the room and backfilled, then a
 * netsplit that leaves the archive a real gap. Prints the URLs to open; runs until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { freeTcpPort, ROOT, startArchiveServer } from "./archive/server";
import { archiveAdmin } from "./archive/admin";
import { seedStoryRoom } from "./demo/story";
import { startTestbed } from "./testbed/index";

const log = (line: string) => console.log(`[demo] ${line}`);
const DATA_DIR = path.join(ROOT, ".data", "demo");

/** Runs the operator CLI against the demo's archive, as a reader of the README would. */
function operatorCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "cli", "archive.ts"), ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR, NODE_ENV: "production" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10 * 60_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`archive ${args.join(" ")} exited with ${code}`));
    });
  });
}

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
    log("seeding several days of history (the homeservers restart on each day's clock)...");
    const story = await seedStoryRoom(bed);
    const members = await story.alice.createRoom({ alias: "members", name: "Members only", worldReadable: false });
    await story.alice.sendMessage(members, "Not for the archive.");

    // The homeservers' ports change every run, so an old archive database would only hold
    // rooms that no longer exist.
    await rm(DATA_DIR, { recursive: true, force: true });
    const upstreamPort = await freeTcpPort();
    // The front comes first: its port is part of the archive's server name.
    let front = await bed.startTlsFront({ upstreamPort });
    const token = randomBytes(24).toString("hex");
    const archive = await startArchiveServer({
      port: upstreamPort,
      env: {
        ...bed.archiveEnv(front),
        DATA_DIR,
        ARCHIVE_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
        ARCHIVE_ADMIN_TOKEN: token,
        // Left on, the first view of today would fill the netsplit gap before the reader sees it.
        DAY_FILL_ON_VIEW: "false",
        // …and the jobs would backfill it as soon as the split heals.
        FILL_MISSED_HISTORY: "false",
      },
      // Beside the database, not in the test bed's run folder, which is deleted at the end.
      logFile: path.join(path.dirname(DATA_DIR), "demo-archive.log"),
    });
    stops.push(() => archive.stop());
    const admin = archiveAdmin(archive.url, token);

    log(`the archive joins ${story.alias} with the operator CLI; its backfill runs as jobs`);
    await operatorCli(["join", story.alias]);
    await operatorCli(["backfill", story.alias]);
    await admin.call("join", { room: `#members:${hs1.serverName}` }).catch(() => {}); // refused: not world_readable

    // Netsplit: the archive is cut off while Bob's server sends, and that server loses its
    // outgoing queue; when both are back, catch-up delivers only the newest event.
    const [hello] = await story.bob.sendMessages(story.roomId, ["Hello archive, nice to have you here."], { concurrency: 1 });
    await admin.waitForEvent(story.roomId, hello!);
    log("netsplit: the archive goes offline while Bob keeps talking");
    await front.stop();
    const cutOff = await story.bob.sendMessages(story.roomId, 30, { prefix: "Said while the archive was cut off:", concurrency: 1 });
    await story.alice.waitForEvent(story.roomId, cutOff.at(-1)!);
    await hs2.restart();
    front = await bed.startTlsFront({ upstreamPort, port: front.port });
    await hs2.resetConnection(front.serverName);
    await admin.waitForEvent(story.roomId, cutOff.at(-1)!, 120_000);
    await story.alice.sendMessages(story.roomId, ["The split has healed.", "Anything we missed?"], { concurrency: 1 });
    const held = await admin.storedEventIds(story.roomId);
    log(`after the split the archive holds ${cutOff.filter((id) => held.has(id)).length} of the 30 messages sent while it was cut off`);

    const base = `${archive.url}/r/${encodeURIComponent(story.alias.slice(1))}`;
    const dayUrl = (day: string) => `${base}/date/${day.replaceAll("-", "/")}`;
    console.log(`
The archive is running.
  Start here:            ${dayUrl(story.days[0]!)}
  The netsplit gap:      ${dayUrl(story.days.at(-1)!)}   (press "Load missing messages")
  Room directory:        ${archive.url}/
  Federation (TLS):      ${front.url}  (server name ${front.serverName})
  Homeservers:           ${hs1.clientUrl} (${hs1.serverName}), ${hs2.clientUrl} (${hs2.serverName})
  Logs:                  ${path.join(path.dirname(DATA_DIR), "demo-archive.log")} (the archive), ${bed.runDir} (homeservers, removed at the end)

The operator CLI works against this archive (it reaches the running server through DATA_DIR):
  DATA_DIR=${path.relative(ROOT, DATA_DIR)} npm run archive -- rooms
  DATA_DIR=${path.relative(ROOT, DATA_DIR)} npm run archive -- fill-gaps ${story.alias}
  DATA_DIR=${path.relative(ROOT, DATA_DIR)} npm run archive -- help
The operator API (docs/operators.md) takes the token ${token}:
  curl -H 'Authorization: Bearer ${token}' '${archive.url}/_matrix/archive/v1/admin/room?room_id=${encodeURIComponent(story.roomId)}'
Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(err);
    await shutdown(1);
  }
}

void main();
