/**
 * The demo: two local Synapse homeservers with the seed's story (several days of conversation,
 * an image, an edit, a reply across days, a redaction), the archive on embedded PGlite (a fresh
 * .data/demo each run) behind a real TLS front, joined to the room and backfilled, then a
 * netsplit that leaves the archive a real gap. Prints the URLs to open; runs until Ctrl-C.
 */
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { freeTcpPort, ROOT, startArchiveServer } from "./archive/server";
import { archiveAdmin } from "./archive/admin";
import { seedStoryRoom } from "./demo/story";
import { startTestbed } from "./testbed/index";

const log = (line: string) => console.log(`[demo] ${line}`);
const DATA_DIR = path.join(ROOT, ".data", "demo");

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
      },
      logFile: path.join(bed.runDir, "archive.log"),
    });
    stops.push(() => archive.stop());
    const admin = archiveAdmin(archive.url, token);

    log(`the archive joins ${story.alias} and backfills its history`);
    // backfill: 0 turns off the join's own background backfill, so the one below reports it all.
    await admin.call("join", { room: story.alias, backfill: 0 });
    const backfill = await admin.call<{ stored: number }>("backfill", { roomId: story.roomId });
    log(`backfilled ${backfill.stored} events`);
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
  Logs:                  ${bed.runDir}
Press Ctrl-C to stop.`);
  } catch (err) {
    console.error(err);
    await shutdown(1);
  }
}

void main();
