import { request as httpRequest } from "node:http";

/**
 * A client of the archive's operator API (lib/federation/inbound/admin.ts), for the demo, e2e
 * tests and benchmarks: POST with a body, GET without. node:http rather than fetch: fetch gives
 * up waiting for response headers after 5 minutes, and a long backfill answers when it is done.
 */
export interface ArchiveAdmin {
  call<T = unknown>(action: string, body?: unknown, timeoutMs?: number): Promise<T>;
  /** Event IDs the archive holds for a room. */
  storedEventIds(roomId: string): Promise<Set<string>>;
  /** Polls until the archive holds `eventId` (bounded in time and count). */
  waitForEvent(roomId: string, eventId: string, timeoutMs?: number): Promise<void>;
}

export function archiveAdmin(baseUrl: string, token: string): ArchiveAdmin {
  const call = <T>(action: string, body?: unknown, timeoutMs = 15 * 60_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = httpRequest(`${baseUrl}/_matrix/archive/v1/admin/${action}`, {
        method: payload === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        timeout: timeoutMs,
      });
      req.once("timeout", () => req.destroy(new Error(`admin ${action} took over ${timeoutMs / 1000} s`)));
      req.once("error", reject);
      req.once("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.once("error", reject);
        res.once("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 0) >= 300) return reject(new Error(`admin ${action} -> ${res.statusCode}: ${text.slice(0, 500)}`));
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(err as Error);
          }
        });
      });
      req.end(payload);
    });
  const storedEventIds = async (roomId: string) => {
    const report = await call<{ events?: { eventId: string }[] }>(`room?room_id=${encodeURIComponent(roomId)}`, undefined, 30_000);
    return new Set((report.events ?? []).map((e) => e.eventId));
  };
  return {
    call,
    storedEventIds,
    async waitForEvent(roomId, eventId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (let attempt = 0; attempt < 1_000 && Date.now() < deadline; attempt++) {
        if ((await storedEventIds(roomId)).has(eventId)) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`the archive did not receive ${eventId} within ${timeoutMs} ms`);
    },
  };
}

/** What `GET room?room_id=` answers: the room row, every stored event, the timeline items in order. */
export interface RoomReport {
  room: {
    roomId: string;
    name: string | null;
    topic: string | null;
    historyVisibility: string | null;
    worldReadableBy: string | null;
    joinRule: string | null;
    servers: string[];
    canonicalAlias: string | null;
    status: string;
    purgeReason: string | null;
    serverAcl: unknown;
    currentStateGroup: string | null;
  } | null;
  events: {
    eventId: string;
    type: string;
    stateKey: string | null;
    sender: string;
    source: string;
    redacted: boolean;
    depth: number;
    /** Failed authorization on arrival: never shown or served. */
    rejected: boolean;
    rejectedReason: string | null;
    /** Not allowed by the current state when it arrived live: kept out of state and view. */
    softFailed: boolean;
    softFailedReason: string | null;
    /** Found rejected after readers saw it: withheld in place. */
    deniedReason: string | null;
    /** A state change state resolution left out: shown in place, marked. */
    overruledReason: string | null;
    /** Whether the state after the event is known (its history is held). */
    stateKnown: boolean;
  }[];
  /** Denial items carry the event they are about and what the archive learned. */
  timeline: {
    kind: string;
    eventId: string | null;
    missingPrevEvents: string[];
    unknownSuccessorsOf: string[];
    deniedEventId: string | null;
    reason: string | null;
  }[];
  /** The room's resolved current state. */
  currentState: { type: string; stateKey: string; eventId: string }[];
}
