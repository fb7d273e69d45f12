import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { getEnv } from "@/lib/env";
import { rateCounter } from "@/lib/http/rate-counter";

// Limits on what readers can make the archive ask other servers for (docs/limits.md): per client
// (lib/archive/client-address.ts) and minute, gap fills, day pages that may start a day fill and
// media the proxy has to fetch (a cached file costs nothing);
// for the whole process, a cap on such work under way at once. Past either, the reader gets 429
// with Retry-After (JSON from the API, a page from proxy.ts) and no federation request is made.
//
// The state lives on globalThis: proxy.ts and the app's routes are separate bundles in one
// process, and both must see the same counters. Counting is rate-limiter-flexible's fixed window
// per key (see lib/federation/inbound/origin-limits.ts for why that library), in the database
// when several instances share a Postgres server (lib/http/rate-counter.ts), so a client's limit
// holds across all of them; the cap on work under way is each process's own.

export type ReaderWork = "gap-fill" | "day-fill" | "media-fetch";

/** When the process's cap is reached: the wait readers are told to take. */
const BUSY_RETRY_SECONDS = 5;

interface State {
  limiters: Map<ReaderWork, RateLimiterAbstract>;
  inFlight: number;
}

const KEY = Symbol.for("matrix-archive.reader-limits");
const holder = globalThis as unknown as { [KEY]?: State };

function state(): State {
  holder[KEY] ??= { limiters: new Map(), inFlight: 0 };
  return holder[KEY];
}

function perMinute(work: ReaderWork): number {
  const env = getEnv();
  switch (work) {
    case "gap-fill":
      return env.GAP_FILLS_PER_CLIENT_PER_MINUTE;
    case "day-fill":
      return env.DAY_FILLS_PER_CLIENT_PER_MINUTE;
    case "media-fetch":
      return env.MEDIA_FETCHES_PER_CLIENT_PER_MINUTE;
  }
}

function limiter(work: ReaderWork): RateLimiterAbstract {
  const s = state();
  let found = s.limiters.get(work);
  if (!found) {
    found = rateCounter({ keyPrefix: work, points: perMinute(work), durationSeconds: 60 });
    s.limiters.set(work, found);
  }
  return found;
}

export type Refusal = { reason: "client" | "busy"; retryAfterSeconds: number };

/** Whether the process's cap on readers' federation work is reached (nothing is counted). */
export function readerFederationBusy(): Refusal | null {
  return state().inFlight >= getEnv().READER_FEDERATION_CONCURRENCY ? { reason: "busy", retryAfterSeconds: BUSY_RETRY_SECONDS } : null;
}

/** Counts one request of `client` for `work`; a refusal when the client is over its limit. */
export async function chargeClient(work: ReaderWork, client: string): Promise<Refusal | null> {
  try {
    await limiter(work).consume(client);
    return null;
  } catch (rejected) {
    if (!(rejected instanceof RateLimiterRes)) throw rejected;
    return { reason: "client", retryAfterSeconds: Math.max(1, Math.ceil(rejected.msBeforeNext / 1000)) };
  }
}

/**
 * Takes one of the process's slots for readers' federation work; null when none is free. The
 * caller releases it when the work (or its wait for the work) ends; release is idempotent.
 */
export function takeFederationSlot(): (() => void) | null {
  if (readerFederationBusy()) return null;
  const s = state();
  s.inFlight++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    s.inFlight--;
  };
}

/**
 * The gate of one reader request that causes federation work: the process's cap first (a busy
 * process spends no client's budget), then the client's limit, then a slot.
 */
export async function admitReader(work: ReaderWork, client: string): Promise<{ release: () => void } | Refusal> {
  const busy = readerFederationBusy();
  if (busy) return busy;
  const over = await chargeClient(work, client);
  if (over) return over;
  const release = takeFederationSlot();
  return release ? { release } : { reason: "busy", retryAfterSeconds: BUSY_RETRY_SECONDS };
}

/** Slots taken now (tests and the health check). */
export function readerFederationInFlight(): number {
  return state().inFlight;
}

// Day pages rendered lately in this process, by what their URL names: the proxy does not count
// a view of one against its reader (it is served from the page cache, or its fill just ran).
const VIEWED_MS = 60 * 60_000;
const VIEWED_MAX = 100_000;
const VIEWED = Symbol.for("matrix-archive.viewed-days");
const viewedHolder = globalThis as unknown as { [VIEWED]?: Map<string, number> };

function viewed(): Map<string, number> {
  viewedHolder[VIEWED] ??= new Map();
  return viewedHolder[VIEWED];
}

/** The key of a day page: `r` or `roomid`, the room as the URL names it (decoded), and the date. */
export function dayViewKey(kind: "r" | "roomid", room: string, date: string): string {
  let decoded = room;
  try {
    decoded = decodeURIComponent(room);
  } catch {
    // a malformed segment is its own key
  }
  return `${kind}/${decoded}/${date}`;
}

export function noteDayViewed(key: string, now = Date.now()): void {
  const map = viewed();
  map.delete(key);
  map.set(key, now + VIEWED_MS);
  if (map.size > VIEWED_MAX) map.delete(map.keys().next().value!);
}

export function dayViewedLately(key: string, now = Date.now()): boolean {
  return (viewed().get(key) ?? 0) > now;
}
