/**
 * The demo: two local Synapse homeservers with a week of seeded conversation (scripts/demo/story.ts),
 * the archive on embedded PGlite (a fresh .data/demo each run) behind a real TLS front, joined to
 * the room and backfilled. Then, live: a netsplit that leaves the archive a real gap, a rename
 * that state resolution overrules once a second split heals, and a room upgrade the archive
 * follows. Prints a tour of URLs to open; runs until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { dayPagePath, eventPermalinkPath, roomBasePath, threadPagePath } from "../lib/archive/room-paths";
import { freeTcpPort, ROOT, startArchiveServer } from "./archive/server";
import { archiveAdmin, type RoomReport } from "./archive/admin";
import { overruleRename } from "./demo/overruled";
import { seedStoryRoom } from "./demo/story";
import { startTestbed } from "./testbed/index";

const started = Date.now();
const log = (line: string) => console.log(`[demo ${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`);
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
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log("stopping the archive, the TLS front and the homeservers...");
    for (const stop of stops.reverse()) await stop().catch((err) => console.error(err));
    process.exit(code);
  };
  process.once("SIGINT", () => void shutdown(0));
  process.once("SIGTERM", () => void shutdown(0));

  try {
    const [hs1, hs2] = bed.homeservers;
    if (!hs1 || !hs2) throw new Error("the demo needs two homeservers");
    log("seeding a week of history (the homeservers restart on each day's clock)...");
    const story = await seedStoryRoom(bed, log);
    const members = await story.alice.createRoom({ alias: "members", name: "Members only", worldReadable: false });
    await story.alice.sendMessage(members, "Not for the archive.");
    log(`seeded ${story.messages} messages over ${story.days.length} days`);

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
    const reopenFront = async () => {
      front = await bed.startTlsFront({ upstreamPort, port: front.port });
    };

    log(`the archive joins ${story.alias} with the operator CLI; its backfill runs as jobs`);
    await operatorCli(["join", story.alias]);
    await operatorCli(["backfill", story.alias]);
    await admin.call("join", { room: `#members:${hs1.serverName}` }).catch(() => {}); // refused: not world_readable

    // Synapse only catches a destination up after a split when it has delivered to it before:
    // one live message from each server first.
    const [hello] = await story.bob.sendMessages(story.roomId, ["Hello archive, nice to have you here."], { concurrency: 1 });
    const [hi] = await story.alice.sendMessages(story.roomId, ["Hi archive!"], { concurrency: 1 });
    await Promise.all([admin.waitForEvent(story.roomId, hello!), admin.waitForEvent(story.roomId, hi!)]);

    // The overruled rename comes before the netsplit gap: past a gap the archive does not know
    // the room's state at the events it receives (their state is unknown until the gap is
    // filled), so it could not tell a rename that state resolution overrules.
    log("a split: Alice takes Bob's moderator rights on her side while Bob renames the room on his");
    const overruled = await overruleRename({
      hs1,
      hs2,
      alice: story.alice,
      bob: story.bob,
      roomId: story.roomId,
      admin,
      archiveServer: front.serverName,
      stopFront: () => front.stop(),
      reopenFront,
      log,
    });

    log("Alice upgrades the room; the archive follows to the successor");
    const successor = await story.alice.upgradeRoom(story.roomId, "11");
    const deadline = Date.now() + 120_000;
    for (;;) {
      const report = await admin.call<RoomReport>(`room?room_id=${encodeURIComponent(successor)}`, undefined, 30_000).catch(() => null);
      if (report?.room?.status === "joined") break;
      if (Date.now() > deadline) throw new Error("the archive did not follow the upgrade within 2 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    await story.bob.joinRoom(successor, { via: [hs1.serverName] });
    const [moved] = await story.alice.sendMessages(successor, ["Welcome to the upgraded lobby. Reminder: the lighthouse tour starts at noon."], {
      concurrency: 1,
    });
    const [still] = await story.bob.sendMessages(successor, ["Same room, new version. The old history is one click away."], { concurrency: 1 });
    await Promise.all([admin.waitForEvent(successor, moved!), admin.waitForEvent(successor, still!)]);

    // Netsplit, in the successor: the archive is cut off while Bob's server sends, and that
    // server loses its outgoing queue; when both are back, catch-up delivers only the newest event.
    log("netsplit: the archive goes offline while Bob keeps talking");
    await front.stop();
    const cutOff = await story.bob.sendMessages(successor, 30, { prefix: "Said while the archive was cut off:", concurrency: 1 });
    await story.alice.waitForEvent(successor, cutOff.at(-1)!);
    await hs2.restart();
    await reopenFront();
    await hs2.resetConnection(front.serverName);
    await admin.waitForEvent(successor, cutOff.at(-1)!, 120_000);
    const healed = await story.alice.sendMessages(successor, ["The split has healed.", "Anything we missed?"], { concurrency: 1 });
    await Promise.all([admin.waitForEvent(successor, healed.at(-1)!), story.bob.waitForEvent(successor, healed.at(-1)!)]);
    const held = await admin.storedEventIds(successor);
    log(`after the split the archive holds ${cutOff.filter((id) => held.has(id)).length} of the 30 messages sent while it was cut off`);

    // The alias moved to the successor with the upgrade: the old room is read by its ID.
    const oldBase = `${archive.url}${roomBasePath({ roomId: story.roomId, canonicalAlias: null })}`;
    const newBase = `${archive.url}${roomBasePath({ roomId: successor, canonicalAlias: story.alias })}`;
    const today = story.days.at(-1)!;
    const logFile = path.join(path.dirname(DATA_DIR), "demo-archive.log");
    console.log(`
The archive is running (set up in ${((Date.now() - started) / 1000).toFixed(0)} s). A tour:
  The first day:         ${dayPagePath(oldBase, story.days[0]!)}
  A busy day (2 pages):  ${dayPagePath(oldBase, story.busyDay)}   ("Later messages of this day" at the bottom)
  A thread:              ${threadPagePath(oldBase, story.threadRoot)}
  Search:                ${oldBase}/search?q=${story.searchWord}   (${story.searchHits} messages)
  Search every room:     ${archive.url}/search?q=${story.searchWord}   (${story.searchHits + 1}; "results may be incomplete": the gap)
  An overruled rename:   ${eventPermalinkPath(oldBase, overruled.rename)}   (marked in place, and a note below)
  The room upgrade:      ${dayPagePath(oldBase, today)}   ("This room continues in", at the end)
  The successor:         ${dayPagePath(newBase, today)}   ("Continued from" at the start, then the netsplit gap:
                                                          press "Load missing messages")
  A day as JSON:         ${archive.url}${roomBasePath({ roomId: story.roomId, canonicalAlias: null })}/export/${story.busyDay}.json
  Room directory:        ${archive.url}/
  Federation (TLS):      ${front.url}  (server name ${front.serverName})
  Homeservers:           ${hs1.clientUrl} (${hs1.serverName}), ${hs2.clientUrl} (${hs2.serverName})
  Logs:                  ${logFile} (the archive), ${bed.runDir} (homeservers, removed at the end)

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
