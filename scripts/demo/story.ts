/**
 * The seed's story on real Synapse peers: a room with several days of conversation (Synapse
 * runs on earlier days' clocks through libfaketime), with an image, an edit, a formatted message,
 * reactions, a reply to a message of an earlier day and a redaction. Used by the demo.
 */
import type { Homeserver, MatrixUser, Testbed } from "../testbed/index";
import { gradientPng } from "./png";

const DAY = 86_400_000;

export interface StoryRoom {
  roomId: string;
  alias: string;
  alice: MatrixUser;
  bob: MatrixUser;
  carol: MatrixUser;
  /** UTC dates (yyyy-mm-dd) of the days with history, oldest first; the last is today. */
  days: string[];
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Runs both homeservers `daysAgo` days in the past (0: the real clock), after each has received
 * the other's last event of the day: a restart drops Synapse's outgoing queue.
 */
async function travel(servers: readonly Homeserver[], daysAgo: number, settle: () => Promise<unknown> = async () => {}): Promise<void> {
  await settle();
  await Promise.all(servers.map((hs) => hs.restart(daysAgo ? { clockOffsetMs: -daysAgo * DAY } : {})));
}

async function say(user: MatrixUser, roomId: string, bodies: string[]): Promise<string[]> {
  return user.sendMessages(roomId, bodies, { concurrency: 1 });
}

export async function seedStoryRoom(bed: Testbed): Promise<StoryRoom> {
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("the story needs two homeservers");
  const servers = [hs1, hs2];
  const alice = await hs1.registerUser("alice", { displayName: "Alice" });
  const dave = await hs1.registerUser("dave", { displayName: "Dave" });
  const bob = await hs2.registerUser("bob", { displayName: "Bob" });
  const carol = await hs2.registerUser("carol", { displayName: "Carol" });
  const days: string[] = [];

  // Day -4: the room is made; Bob joins from the other server; an image.
  await travel(servers, 4);
  days.push(isoDay(Date.now() - 4 * DAY));
  const roomId = await alice.createRoom({ alias: "lobby", name: "Lobby", topic: "A public room whose history anyone can read" });
  await bob.joinRoom(roomId, { via: [hs1.serverName] });
  const [welcome] = await say(alice, roomId, ["Welcome to the lobby! This room is world readable, so its history is public."]);
  await say(bob, roomId, ["Hi Alice, greetings from the other homeserver.", "Is this room archived somewhere?"]);
  await say(alice, roomId, ["It will be: a public archive can join and keep its history.", "Here is our new logo:"]);
  const logo = await alice.uploadMedia(gradientPng(96, 64, [37, 99, 235], [16, 185, 129]), "image/png", "logo.png");
  await alice.sendEvent(roomId, "m.room.message", {
    msgtype: "m.image",
    body: "logo.png",
    url: logo,
    info: { mimetype: "image/png", w: 96, h: 64 },
  });
  const [liked] = await say(bob, roomId, ["Nice colours."]);

  // Day -3: Carol joins; an edit, an emote, a notice and formatted text.
  await travel(servers, 3, () => alice.waitForEvent(roomId, liked!));
  days.push(isoDay(Date.now() - 3 * DAY));
  await carol.joinRoom(roomId, { via: [hs1.serverName] });
  await say(carol, roomId, ["Hello everyone!"]);
  const [typo] = await say(alice, roomId, ["Welcome Carol, glad you foudn us."]);
  await alice.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "* Welcome Carol, glad you found us.",
    "m.new_content": { msgtype: "m.text", body: "Welcome Carol, glad you found us." },
    "m.relates_to": { rel_type: "m.replace", event_id: typo },
  });
  await bob.sendEvent(roomId, "m.room.message", { msgtype: "m.emote", body: "waves at Carol" });
  await alice.sendEvent(roomId, "m.room.message", { msgtype: "m.notice", body: "Reminder: be kind, this room is public." });
  const formatted = await carol.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "The spec is at https://spec.matrix.org — **worth a read**",
    format: "org.matrix.custom.html",
    formatted_body: 'The spec is at <a href="https://spec.matrix.org">spec.matrix.org</a> — <strong>worth a read</strong>',
  });

  // Day -2: a reply to a message of day -4, reactions, and spam that is redacted.
  await travel(servers, 2, () => alice.waitForEvent(roomId, formatted));
  days.push(isoDay(Date.now() - 2 * DAY));
  await bob.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "> <@alice> Welcome to the lobby!\n\nLooking back: the welcome message aged well.",
    "m.relates_to": { "m.in_reply_to": { event_id: welcome } },
  });
  await bob.sendEvent(roomId, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: liked, key: "👍" } });
  await carol.sendEvent(roomId, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: liked, key: "👍" } });
  await dave.joinRoom(roomId);
  const [spam] = await say(dave, roomId, ["BUY CHEAP CRYPTO NOW!!!"]);
  await alice.redact(roomId, spam!, "spam");
  const [sorry] = await say(alice, roomId, ["Sorry about that, the spam is gone."]);

  // Day -1: a short day.
  await travel(servers, 1, () => carol.waitForEvent(roomId, sorry!));
  days.push(isoDay(Date.now() - DAY));
  await say(carol, roomId, ["Quiet day today.", "Anyone around?"]);
  const [reading] = await say(bob, roomId, ["Just me, reading the archive."]);

  await travel(servers, 0, () => alice.waitForEvent(roomId, reading!));
  days.push(isoDay(Date.now()));
  await say(alice, roomId, ["Good morning, a new day in the lobby."]);
  return { roomId, alias: `#lobby:${hs1.serverName}`, alice, bob, carol, days };
}
