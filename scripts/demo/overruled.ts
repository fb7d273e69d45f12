/**
 * An overruled state change for the demo, made as docs/testbed.md ("contested power across a
 * split") and e2e/overruled-history.spec.ts make one: Bob (hs2) is a moderator since day -5. hs2
 * and the archive's front go down while Alice (hs1) takes Bob's power away; hs1 loses its
 * outgoing queue and goes down; hs2 and the archive come back and Bob, still a moderator as far
 * as hs2 knows, renames the room. The archive shows the new name. hs2 loses its queue, hs1 comes
 * back, and once the events meet, state resolution puts Alice's change first: the rename leaves
 * the room's state. The archive keeps it where readers saw it, marked overruled, with a note at
 * the end of the timeline.
 */
import type { ArchiveAdmin, RoomReport } from "../archive/admin";
import type { Homeserver, MatrixUser } from "../testbed/index";

interface Split {
  hs1: Homeserver;
  hs2: Homeserver;
  alice: MatrixUser;
  bob: MatrixUser;
  roomId: string;
  admin: ArchiveAdmin;
  /** The archive's server name, for hs1's reset_connection. */
  archiveServer: string;
  stopFront(): Promise<void>;
  reopenFront(): Promise<void>;
  log(line: string): void;
}

const HEAL_TIMEOUT_MS = 120_000;

export async function overruleRename(s: Split): Promise<{ rename: string; demote: string }> {
  const { hs1, hs2, alice, bob, roomId, admin } = s;
  const room = encodeURIComponent(roomId);
  const pl = await alice.request<{ users?: Record<string, number> }>("GET", `/_matrix/client/v3/rooms/${room}/state/m.room.power_levels/`);

  await Promise.all([hs2.stop(), s.stopFront()]);
  const demote = await alice.sendEvent(roomId, "m.room.power_levels", { ...pl, users: { ...pl.users, [bob.userId]: 0 } }, { stateKey: "" });
  const aliceSays = await alice.sendMessage(roomId, "Bob, I took your moderator rights back while we sort out the rota.");
  await hs1.restart();
  await hs1.stop();

  await Promise.all([hs2.start(), s.reopenFront()]);
  const rename = await bob.sendEvent(roomId, "m.room.name", { name: "Bob's lobby" }, { stateKey: "" });
  await admin.waitForEvent(roomId, rename);
  s.log(`the archive shows Bob's rename; now hs2 loses its queue and hs1 comes back`);
  await hs2.restart();
  await hs1.start();

  // Wake both senders (and hs1's toward the archive) every few seconds until the sides meet.
  const deadline = Date.now() + HEAL_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    if (attempt % 6 === 0) await Promise.all([hs1.resetConnection(hs2.serverName), hs2.resetConnection(hs1.serverName), hs1.resetConnection(s.archiveServer)]);
    const held = await admin.storedEventIds(roomId);
    if (held.has(demote) && held.has(aliceSays) && (await bob.getEvent(roomId, aliceSays))) break;
    if (Date.now() > deadline) throw new Error(`the split did not heal within ${HEAL_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const resolved = (await alice.request<{ name: string }>("GET", `/_matrix/client/v3/rooms/${room}/state/m.room.name/`)).name;
  s.log(`healed: the room is called "${resolved}" again (Bob's rename only held on his side); the archive marks the rename overruled`);
  const after = await bob.sendMessage(roomId, "Fair enough, the old name is better anyway.");
  await admin.waitForEvent(roomId, after);
  const report = await admin.call<RoomReport>(`room?room_id=${room}`, undefined, 30_000);
  if (!report.events.find((e) => e.eventId === rename)?.overruledReason) s.log("warning: the archive has not marked the rename overruled");
  return { rename, demote };
}
