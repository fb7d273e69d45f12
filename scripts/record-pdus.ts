/**
 * Records real PDUs from a real Synapse for the protocol core's unit tests:
 *
 *   npx tsx scripts/record-pdus.ts
 *
 * Starts one homeserver of the test bed, creates a public world_readable room of every room
 * version Synapse offers, sends a text, an emote, an edit, a reaction, a message it then redacts,
 * a topic change and a second user's join, and writes to lib/matrix/__fixtures__/:
 * - synapse-v<N>.messages.json: the `/messages?dir=b&limit=100` body with
 *   `filter={"event_format":"federation"}`, byte for byte as Synapse sent it;
 * - synapse-server-keys.json: `/_matrix/key/v2/server` as fetched, byte for byte;
 * - manifest.json: Synapse's version, the server name, and per room the event IDs by role.
 * Unit tests read only these files; nothing here runs at unit-test time.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { httpRequest, startTestbed, type MatrixUser } from "@/scripts/testbed";
import { repoRoot } from "@/scripts/testbed/paths";

const FIXTURES = path.join(repoRoot, "lib", "matrix", "__fixtures__");
const VERSIONS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"];

interface RoomRecord {
  roomVersion: string;
  roomId: string;
  file: string;
  events: Record<string, string>;
}

async function recordRoom(alice: MatrixUser, bob: MatrixUser, serverName: string, version: string): Promise<RoomRecord> {
  const roomId = await alice.createRoom({ alias: `fixture-v${version}`, roomVersion: version, name: `Fixture v${version}`, topic: "before" });
  const events: Record<string, string> = {};
  events.text = await alice.sendMessage(roomId, "Hello, archive! ünïcödé 😀", {
    format: "org.matrix.custom.html",
    formatted_body: "<b>Hello</b>, archive!",
  });
  events.emote = await alice.sendEvent(roomId, "m.room.message", { msgtype: "m.emote", body: "waves" });
  events.edit = await alice.sendEvent(roomId, "m.room.message", {
    msgtype: "m.text",
    body: "* Hello again",
    "m.new_content": { msgtype: "m.text", body: "Hello again" },
    "m.relates_to": { rel_type: "m.replace", event_id: events.text },
  });
  events.reaction = await alice.sendEvent(roomId, "m.reaction", {
    "m.relates_to": { rel_type: "m.annotation", event_id: events.text, key: "👍" },
  });
  events.redacted = await alice.sendMessage(roomId, "this will be redacted");
  const redaction = await alice.request<{ event_id: string }>(
    "PUT",
    `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/redact/${encodeURIComponent(events.redacted)}/redact-${version}`,
    { reason: "fixture" },
  );
  events.redaction = redaction.event_id;
  events.topic = await alice.sendEvent(roomId, "m.room.topic", { topic: "after" }, { stateKey: "" });
  events.join = await bob.joinRoom(roomId, { via: [serverName] }).then(async () => {
    const page = await bob.messages(roomId, { limit: 1 });
    return page.chunk[0]?.event_id ?? "";
  });

  const filter = JSON.stringify({ event_format: "federation" });
  const query = new URLSearchParams({ dir: "b", limit: "100", filter });
  const res = await httpRequest({
    url: `${alice.host.clientUrl}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?${query.toString()}`,
    headers: { authorization: `Bearer ${alice.accessToken}` },
  });
  if (res.status !== 200) throw new Error(`/messages for v${version}: ${res.status} ${res.text}`);
  const file = `synapse-v${version}.messages.json`;
  await writeFile(path.join(FIXTURES, file), res.text);
  return { roomVersion: version, roomId, file, events };
}

async function main(): Promise<void> {
  const bed = await startTestbed({ homeservers: 1, log: (line) => console.error(line) });
  try {
    const [hs] = bed.homeservers;
    if (!hs) throw new Error("the test bed started no homeserver");
    const alice = await hs.registerUser("alice", { displayName: "Alice" });
    const bob = await hs.registerUser("bob", { displayName: "Bob" });
    const capabilities = await alice.request<{ capabilities: { "m.room_versions"?: { available: Record<string, string> } } }>(
      "GET",
      "/_matrix/client/v3/capabilities",
    );
    const available = capabilities.capabilities["m.room_versions"]?.available ?? {};
    const rooms: RoomRecord[] = [];
    for (const version of VERSIONS.filter((v) => available[v] === "stable")) {
      rooms.push(await recordRoom(alice, bob, hs.serverName, version));
      console.error(`recorded room version ${version}`);
    }
    const keys = await httpRequest({ url: `${hs.federationUrl}/_matrix/key/v2/server`, ca: await readFile(bed.caFile) });
    if (keys.status !== 200) throw new Error(`/_matrix/key/v2/server: ${keys.status}`);
    await writeFile(path.join(FIXTURES, "synapse-server-keys.json"), keys.text);
    const version = await hs.federationGet<{ server: { name: string; version: string } }>("/_matrix/federation/v1/version");
    const manifest = {
      note: "Written by scripts/record-pdus.ts from a real Synapse of the test bed; see that script.",
      synapse: version.server,
      serverName: hs.serverName,
      serverKeysFile: "synapse-server-keys.json",
      users: { alice: alice.userId, bob: bob.userId },
      rooms,
    };
    await writeFile(path.join(FIXTURES, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    console.error(`wrote ${rooms.length} rooms to ${FIXTURES}`);
  } finally {
    await bed.stop();
  }
}

await main();
