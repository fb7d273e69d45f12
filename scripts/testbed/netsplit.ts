import type { Homeserver } from "./homeserver";
import type { MatrixUser } from "./matrix-client";
import { TestbedError, describeLogs } from "./wait";

export interface NetsplitOptions {
  /** The server that keeps sending (A). Its user `sender` sends during the split. */
  sender: MatrixUser;
  /** A user on the server cut off (B), joined to the room; used to look at B's store. */
  observer: MatrixUser;
  roomId: string;
  /** Messages A sends while B is down (default 40; more than 11 leaves a hole). */
  count?: number;
  /** Sends the events instead of `count` plain messages; returns their IDs in send order. */
  send?: () => Promise<string[]>;
  /**
   * Before the split, send one message on A and wait until B holds it (default true). Synapse
   * only catches a destination up once it has delivered a PDU to it successfully
   * (`last_successful_stream_ordering`); without that, B never hears of the split's events.
   */
  syncFirst?: boolean;
  /** Bound on waiting for B to receive the newest event after both are back (default 90 s). */
  timeoutMs?: number;
}

export interface NetsplitResult {
  /** Event IDs A sent while B was down, in send order. */
  sent: string[];
  /** Of those, the ones B holds once catch-up has delivered the newest one. */
  presentOnB: string[];
  /** The hole: sent on A, absent from B's store. */
  missingOnB: string[];
  /** reset_connection calls on A that Synapse accepted (it answers 400 when A had no backoff). */
  resetsAccepted: number;
  /** Milliseconds from B's start until B held the newest event. */
  catchUpMs: number;
}

/**
 * Makes a real gap on B (docs/testbed.md, "Making a real gap"). Merely stopping B while A
 * sends gives no gap: A keeps the PDUs in memory and delivers them all when B is back. So A must
 * lose its queue:
 *   1. stop B; A sends N events;
 *   2. restart A (its per-destination queue is volatile; it comes back in catch-up mode for B);
 *   3. start B; A's catch-up sends B only the newest event of the room, and B pulls the 10 events
 *      before it with /get_missing_events (a hard-coded limit). The rest stays missing on B.
 * A's failed sends to B record a retry backoff (5 s here). A restarted within it skips B in its
 * startup catch-up sweep, and the next sweep is a minute later (measured: 60 s). So while
 * waiting, this calls reset_connection on A for B, which clears the backoff and wakes the sender
 * (catch-up then takes ~250 ms).
 *
 * B's holdings are read with the client `/event` API, which never fetches from other servers.
 * Do not page `/messages` backwards on B before checking: that makes Synapse backfill the hole.
 */
export async function netsplit(a: Homeserver, b: Homeserver, opts: NetsplitOptions): Promise<NetsplitResult> {
  const { roomId, observer } = opts;
  if (opts.syncFirst ?? true) {
    const marker = await opts.sender.sendMessage(roomId, "before netsplit");
    await observer.waitForEvent(roomId, marker, opts.timeoutMs ?? 90_000);
  }
  await b.stop();
  const sent = opts.send ? await opts.send() : await opts.sender.sendMessages(roomId, opts.count ?? 40, { concurrency: 1, prefix: "during netsplit" });
  const newest = sent.at(-1);
  if (!newest) throw new TestbedError("netsplit: nothing was sent during the split");
  await a.restart();
  await b.start();

  const timeoutMs = opts.timeoutMs ?? 90_000;
  const deadline = Date.now() + timeoutMs;
  let nextReset = 0;
  let arrived = false;
  let resetsAccepted = 0;
  const bStarted = Date.now();
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / 200) + 1 && Date.now() < deadline; attempt++) {
    if (await observer.getEvent(roomId, newest)) {
      arrived = true;
      break;
    }
    // Poke A's sender every few seconds: once right away for the backoff case, and again in case
    // the first poke came while A's startup catch-up attempt was still in flight.
    if (Date.now() >= nextReset) {
      if (await a.resetConnection(b.serverName)) resetsAccepted++;
      nextReset = Date.now() + 3_000;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (!arrived) {
    throw new TestbedError(
      `netsplit: ${b.name} did not receive the newest event ${newest} from ${a.name} within ${timeoutMs} ms\n${await describeLogs([a.logFile, b.logFile])}`,
    );
  }
  const catchUpMs = Date.now() - bStarted;
  // B fetched the missing prev_events before persisting the newest one, so its holdings are final
  // for now (until something backfills).
  const held = await Promise.all(sent.map((id) => observer.getEvent(roomId, id)));
  const presentOnB = sent.filter((_, i) => held[i] !== undefined);
  const missingOnB = sent.filter((_, i) => held[i] === undefined);
  return { sent, presentOnB, missingOnB, resetsAccepted, catchUpMs };
}
