/**
 * A client of the archive's operator API (lib/federation/inbound/admin.ts), for the demo, e2e
 * tests and benchmarks: POST with a body, GET without.
 */
export interface ArchiveAdmin {
  call<T = unknown>(action: string, body?: unknown, timeoutMs?: number): Promise<T>;
  /** Event IDs the archive holds for a room. */
  storedEventIds(roomId: string): Promise<Set<string>>;
  /** Polls until the archive holds `eventId` (bounded in time and count). */
  waitForEvent(roomId: string, eventId: string, timeoutMs?: number): Promise<void>;
}

export function archiveAdmin(baseUrl: string, token: string): ArchiveAdmin {
  const call = async <T>(action: string, body?: unknown, timeoutMs = 15 * 60_000): Promise<T> => {
    const url = `${baseUrl}/_matrix/archive/v1/admin/${action}`;
    const res = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${action} -> ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
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
    historyVisibility: string | null;
    worldReadableBy: string | null;
    servers: string[];
    canonicalAlias: string | null;
  } | null;
  events: { eventId: string; type: string; source: string; redacted: boolean; depth: number }[];
  timeline: { kind: string; eventId: string | null; missingPrevEvents: string[]; unknownSuccessorsOf: string[] }[];
}
