/**
 * The demo's week on real Synapse peers: a room with six days of conversation before today
 * (Synapse runs on earlier days' clocks through libfaketime) among seven users on both
 * homeservers, two of them called Carol. An image, an edit, a formatted message, an emote, a
 * notice, reactions, a reply to a message of an earlier day, a redaction, a busy day of over 200
 * messages (more than one day page), and a thread whose replies run into the next day.
 */
import type { Homeserver, MatrixUser, Testbed } from "../testbed/index";
import { chatter } from "./conversation";
import { gradientPng } from "./png";

const DAY = 86_400_000;
/** Messages of the busy day: more than one day page (150 items). */
const BUSY_DAY_MESSAGES = 210;

export interface StoryRoom {
  roomId: string;
  alias: string;
  alice: MatrixUser;
  bob: MatrixUser;
  carol: MatrixUser;
  /** UTC dates (yyyy-mm-dd) of the days with history, oldest first; the last is today. */
  days: string[];
  /** The busy day (one of `days`). */
  busyDay: string;
  threadRoot: string;
  /** The word the tour searches for, and how many messages hold it. */
  searchWord: string;
  searchHits: number;
  /** Messages sent, all days. */
  messages: number;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export async function seedStoryRoom(bed: Testbed, log: (line: string) => void): Promise<StoryRoom> {
  const [hs1, hs2] = bed.homeservers;
  if (!hs1 || !hs2) throw new Error("the story needs two homeservers");
  const servers = [hs1, hs2];
  const [alice, dave, erin, carolToo, bob, carol, frank] = await Promise.all([
    hs1.registerUser("alice", { displayName: "Alice" }),
    hs1.registerUser("dave", { displayName: "Dave" }),
    hs1.registerUser("erin", { displayName: "Erin" }),
    // A second Carol, on the other server: pages tell the two apart.
    hs1.registerUser("carol", { displayName: "Carol" }),
    hs2.registerUser("bob", { displayName: "Bob" }),
    hs2.registerUser("carol", { displayName: "Carol" }),
    hs2.registerUser("frank", { displayName: "Frank" }),
  ]);
  const days: string[] = [];
  let messages = 0;
  let last = "";
  let roomId = "";
  const say = async (user: MatrixUser, roomId: string, body: string, extra: Record<string, unknown> = {}) => {
    messages++;
    return (last = await user.sendMessage(roomId, body, extra));
  };
  const talk = async (roomId: string, speakers: MatrixUser[], seed: number, count: number, mentions: string[] = []) => {
    for (const line of chatter(seed, speakers.length, count, mentions)) await say(speakers[line.speaker]!, roomId, line.body);
  };
  // Both servers restart on the new day's clock once each has the day's last event: a restart
  // drops Synapse's outgoing queue.
  const travel = async (daysAgo: number) => {
    if (last) await Promise.all([alice.waitForEvent(roomId, last, 60_000), bob.waitForEvent(roomId, last, 60_000)]);
    await Promise.all(servers.map((hs: Homeserver) => hs.restart(daysAgo ? { clockOffsetMs: -daysAgo * DAY } : {})));
    days.push(isoDay(Date.now() - daysAgo * DAY));
    log(`day ${daysAgo ? `-${daysAgo}` : "0 (today)"}: ${days.at(-1)}`);
  };
  const searchWord = "lighthouse";
  const aboutIt = [
    "The lighthouse keeper says we can use the lawn for the stage.",
    "Has anyone got the key to the lighthouse gallery?",
    "Photos from the lighthouse are up on the noticeboard.",
  ];

  // Day -6: the room is made; Bob joins from the other server; an image.
  await travel(6);
  // Room version 11 on both sides of the upgrade, as the e2e upgrade test has it.
  roomId = await alice.createRoom({ alias: "lobby", roomVersion: "11", name: "Lobby", topic: "Planning the harbour festival, in public" });
  await bob.joinRoom(roomId, { via: [hs1.serverName] });
  const welcome = await say(alice, roomId, "Welcome to the lobby! This room is world readable, so its history is public.");
  await say(bob, roomId, "Hi Alice, greetings from the other homeserver.");
  await say(bob, roomId, "Is this room archived somewhere?");
  await say(alice, roomId, "It will be: a public archive can join and keep its history.");
  await say(alice, roomId, "Here is our new logo:");
  const logo = await alice.uploadMedia(gradientPng(96, 64, [37, 99, 235], [16, 185, 129]), "image/png", "logo.png");
  await alice.sendEvent(roomId, "m.room.message", { msgtype: "m.image", body: "logo.png", url: logo, info: { mimetype: "image/png", w: 96, h: 64 } });
  const liked = await say(bob, roomId, "Nice colours.");
  await talk(roomId, [alice, bob], 6, 20, [aboutIt[0]!]);

  // Day -5: Carol, Erin and Frank join; an edit, an emote, a notice, formatted text; Bob is
  // made a moderator (the overruled rename of today starts here).
  await travel(5);
  await Promise.all([carol, frank].map((u) => u.joinRoom(roomId, { via: [hs1.serverName] })));
  await erin.joinRoom(roomId);
  await say(carol, roomId, "Hello everyone!");
  const typo = await say(alice, roomId, "Welcome Carol, glad you foudn us.");
  await alice.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "* Welcome Carol, glad you found us.",
    "m.new_content": { msgtype: "m.text", body: "Welcome Carol, glad you found us." },
    "m.relates_to": { rel_type: "m.replace", event_id: typo },
  });
  await bob.sendEvent(roomId, "m.room.message", { msgtype: "m.emote", body: "waves at Carol" });
  await alice.sendEvent(roomId, "m.room.message", { msgtype: "m.notice", body: "Reminder: be kind, this room is public." });
  await carol.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "The spec is at https://spec.matrix.org — **worth a read**",
    format: "org.matrix.custom.html",
    formatted_body: 'The spec is at <a href="https://spec.matrix.org">spec.matrix.org</a> — <strong>worth a read</strong>',
  });
  const pl = await alice.request<Record<string, unknown>>("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/m.room.power_levels/`);
  await alice.sendEvent(roomId, "m.room.power_levels", { ...pl, users: { ...(pl.users as object), [bob.userId]: 50 } }, { stateKey: "" });
  await say(alice, roomId, "Bob, you are a moderator now: thanks for helping out.");
  await talk(roomId, [alice, bob, carol, erin, frank], 5, 40, [aboutIt[1]!]);

  // Day -4: the busy day, with a thread.
  await travel(4);
  await dave.joinRoom(roomId);
  const crowd = [alice, bob, carol, dave, erin, frank];
  await talk(roomId, crowd, 41, BUSY_DAY_MESSAGES / 2);
  const threadRoot = await say(alice, roomId, "Thread: who takes which shift at the ticket desk on Saturday?");
  // A relation to an event the sender's server does not hold yet is refused.
  await bob.waitForEvent(roomId, threadRoot);
  const inThread = () => ({ "m.relates_to": { rel_type: "m.thread", event_id: threadRoot, is_falling_back: true, "m.in_reply_to": { event_id: threadRoot } } });
  await alice.waitForEvent(roomId, await say(bob, roomId, "I can do 10 to 12.", inThread()));
  await say(erin, roomId, "12 to 2 for me.", inThread());
  await talk(roomId, crowd, 42, BUSY_DAY_MESSAGES / 2 - 5);
  await say(frank, roomId, "I'll take the last shift, 4 to 6.", inThread());

  // Day -3: the thread goes on; a reply to a message of day -6, reactions, spam that is redacted.
  await travel(3);
  await say(carol, roomId, "Sorry, late to this: 2 to 4 is mine.", inThread());
  await say(alice, roomId, "Perfect, every shift is covered. Thank you all!", inThread());
  await bob.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "> <@alice> Welcome to the lobby!\n\nLooking back: the welcome message aged well.",
    "m.relates_to": { "m.in_reply_to": { event_id: welcome } },
  });
  await bob.sendEvent(roomId, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: liked, key: "👍" } });
  await carol.sendEvent(roomId, "m.reaction", { "m.relates_to": { rel_type: "m.annotation", event_id: liked, key: "👍" } });
  const spam = await say(dave, roomId, "BUY CHEAP CRYPTO NOW!!!");
  await alice.redact(roomId, spam, "spam");
  await say(alice, roomId, "Sorry about that, the spam is gone.");
  await talk(roomId, crowd, 3, 40, [aboutIt[2]!]);

  // Day -2: the other Carol joins.
  await travel(2);
  await carolToo.joinRoom(roomId);
  await say(carolToo, roomId, "Hi, I'm Carol too, from the first server.");
  await say(carol, roomId, "Welcome, namesake!");
  await talk(roomId, [alice, bob, carol, carolToo, frank], 2, 30);

  // Day -1: a quiet day.
  await travel(1);
  await say(carol, roomId, "Quiet day today.");
  await say(carol, roomId, "Anyone around?");
  await say(bob, roomId, "Just me, reading the archive.");
  await talk(roomId, [bob, carol, erin], 1, 12);

  await travel(0);
  await say(alice, roomId, "Good morning, a new day in the lobby.");
  return {
    roomId,
    alias: `#lobby:${hs1.serverName}`,
    alice,
    bob,
    carol,
    days,
    busyDay: days[2]!,
    threadRoot,
    searchWord,
    searchHits: aboutIt.length,
    messages,
  };
}
