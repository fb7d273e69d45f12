import path from "node:path";
import { z } from "zod";

// The one place that reads process.env. Everything is validated once, with messages that name
// the variable and what was wrong, so a misconfigured deployment fails at start, not mid-request.

const list = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

function boundedInt(min: number, max: number, fallback: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });
}

const bool = (fallback: "true" | "false") =>
  z
    .enum(["true", "false", "1", "0"], { message: "must be true or false" })
    .default(fallback)
    .transform((v) => v === "true" || v === "1");

const serverName = z
  .string()
  .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, "must be a Matrix server name such as archive.example.org or localhost:8448");

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Postgres server; when unset the archive uses embedded PGlite under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  /**
   * Run statements on the Postgres server as named prepared statements (lib/db-statements.ts).
   * Off for a pooler in transaction mode that cannot carry them (pgbouncer before 1.21, or
   * max_prepared_statements = 0). Not used on embedded PGlite.
   */
  DATABASE_PREPARED_STATEMENTS: bool("true"),
  DATA_DIR: z.string().default(".data"),
  /** Embedded PGlite's shared_buffers (MiB): resident for the process's life once touched; the OS caches the files as well. */
  PGLITE_SHARED_BUFFERS_MB: boundedInt(1, 4_096, 16),
  /**
   * Let V8 also optimize hot WebAssembly (PGlite's Postgres, Prisma's query compiler) with
   * TurboFan: SQL on PGlite 10–20% faster once warm, 50–100 MiB more resident (lib/wasm-compiler.ts).
   */
  WASM_OPTIMIZING_COMPILER: bool("false"),
  /** The archive's own Matrix server name (what other servers call it). */
  ARCHIVE_SERVER_NAME: serverName.default("localhost"),
  /** ed25519 key file in the usual `ed25519 <key id> <seed>` format; created on first start. */
  ARCHIVE_SIGNING_KEY_PATH: z.string().optional(),
  /** Public base URL of the web pages (canonical links, sitemaps). */
  ARCHIVE_BASE_URL: z.url({ message: "must be an absolute URL such as https://archive.example.org" }).default("http://localhost:3000"),
  /** Servers whose public room directories the home page lists. */
  DIRECTORY_SERVERS: list,
  /** Servers asked for keys when a direct fetch fails. */
  KEY_NOTARY_SERVERS: list,
  ROOM_ALLOW: list,
  ROOM_DENY: list,
  SERVER_DENY: list,
  /**
   * Address ranges federation may connect to although they are private, loopback or
   * link-local: `loopback`, or CIDRs separated by commas. Empty: none (production).
   */
  FEDERATION_ALLOW_PRIVATE_ADDRESSES: list,
  /** Bearer token of the operator API (/_matrix/archive/v1/admin/*: join, backfill, fill); unset disables it. */
  ARCHIVE_ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Extra CA certificate (PEM file) trusted for outbound federation TLS, for test beds. */
  FEDERATION_CA_FILE: z.string().optional(),
  /** Kept-alive connections the archive holds open to one server at most; more requests wait. */
  FEDERATION_MAX_CONNECTIONS_PER_SERVER: boundedInt(1, 64, 4),
  /** Seconds a server that failed (no answer, 5xx, 429) is skipped for at first; doubled per further failure. */
  FEDERATION_BACKOFF_MIN_SECONDS: boundedInt(1, 86_400, 60),
  /** The longest a failing server is skipped for, in seconds (a signed request from it, or any answer, ends it). */
  FEDERATION_BACKOFF_MAX_SECONDS: boundedInt(1, 7 * 86_400, 6 * 3_600),
  /** /backfill answers one backfill fetches ahead of the one being stored (memory: about one answer each). */
  BACKFILL_BATCHES_IN_FLIGHT: boundedInt(1, 16, 3),
  /** Servers one backfill asks at once where its frontier names several events (branches that merged). */
  BACKFILL_SERVERS_AT_ONCE: boundedInt(1, 8, 3),
  /**
   * Whether the first view of a day fills that day over federation (waiting a few seconds)
   * before rendering. Off: pages show what is stored and readers fill gaps with the button.
   */
  DAY_FILL_ON_VIEW: bool("true"),
  /**
   * What this process does: `all` (serve pages and federation, and run background jobs), `web`
   * or `worker`. Split roles need DATABASE_URL: embedded PGlite is one process's.
   */
  ARCHIVE_ROLE: z.enum(["all", "web", "worker"], { message: "must be all, web or worker" }).default("all"),
  /** Rooms (IDs or aliases) joined at start and kept: a room that is not joined is joined again, unless it opted out. */
  ARCHIVE_ROOMS: list,
  /** Join every world-readable room published in DIRECTORY_SERVERS' directories (hourly), honouring ROOM_ALLOW/ROOM_DENY. */
  ARCHIVE_CRAWL_DIRECTORIES: bool("false"),
  /**
   * Whether history the archive missed at the live edge (while it was away, or beyond what a
   * sender's /get_missing_events gave) is backfilled by jobs at once. Off: it stays a gap until a
   * reader fills it (demos and tests that show a gap).
   */
  FILL_MISSED_HISTORY: bool("true"),
  /**
   * Minutes between the catch-ups of every joined room that workers schedule (at minutes that are
   * multiples of it, UTC); 0: only at each worker's start (tests that stage a precise hole).
   */
  CATCH_UP_EVERY_MINUTES: boundedInt(0, 60, 15),
  /** Jobs one worker process runs at once (all kinds together). */
  JOB_CONCURRENCY: boundedInt(1, 64, 4),
  /** Events one backfill job stores before it hands over to the next (the unit of work a crash can lose). */
  BACKFILL_STEP_EVENTS: boundedInt(100, 100_000, 2_000),
  /** Seconds between a room's backfill steps: bounds the rate at which the archive asks a room's servers for history. */
  BACKFILL_PAUSE_SECONDS: boundedInt(0, 3_600, 2),
  /** Memory for rendered pages kept by this process (docs/page-cache.md), in MiB; 0 turns the page cache off. */
  PAGE_CACHE_MAX_MB: boundedInt(0, 65_536, 64),
  /** Database space for rendered past days, kept across restarts and shared by instances (docs/page-cache.md), in MiB; 0 keeps none. */
  PAGE_CACHE_DISK_MB: boundedInt(0, 1_048_576, 512),
  // Limits on hostile load (docs/limits.md). Per-origin limits of authenticated federation
  // requests, as Synapse's rc_federation: within each window, requests past the sleep limit are
  // delayed, past the reject limit refused with 429; at most `concurrent` run at once per origin.
  FEDERATION_RC_WINDOW_MS: boundedInt(100, 3_600_000, 1_000),
  FEDERATION_RC_SLEEP_LIMIT: boundedInt(0, 100_000, 10),
  FEDERATION_RC_SLEEP_DELAY_MS: boundedInt(0, 60_000, 500),
  FEDERATION_RC_REJECT_LIMIT: boundedInt(1, 100_000, 50),
  FEDERATION_RC_CONCURRENT: boundedInt(1, 1_000, 3),
  /** MiB of federation request bodies being read at once in this process (before their signatures can be checked). */
  FEDERATION_BODY_BUFFER_MB: boundedInt(8, 4_096, 64),
  /** Disk (MiB) for proxied media under DATA_DIR/media-cache, least recently used evicted first; 0 keeps none (docs/media.md). */
  MEDIA_CACHE_MAX_MB: boundedInt(0, 1_048_576, 1_024),
  /** Largest media file (MiB) the proxy fetches from a homeserver; bigger ones are refused (413). */
  MEDIA_MAX_MB: boundedInt(1, 1_024, 20),
  /** How long browsers and shared caches may keep a proxied file (seconds): a purge takes effect within it, or at once by surrogate key. */
  MEDIA_MAX_AGE_SECONDS: boundedInt(0, 604_800, 3_600),
  /** Reader requests that cause federation traffic (gap fills, day fills on view, media fetches) under way at once in this process. */
  READER_FEDERATION_CONCURRENCY: boundedInt(1, 1_000, 8),
  /** Per client and minute: gap fills (POST /api/gaps/fill) a reader may start. */
  GAP_FILLS_PER_CLIENT_PER_MINUTE: boundedInt(1, 100_000, 20),
  /** Per client and minute: day pages not recently filled (each may start a day fill) a reader may request. */
  DAY_FILLS_PER_CLIENT_PER_MINUTE: boundedInt(1, 100_000, 30),
  /** Per client and minute: media files not yet cached (each fetched over federation) a reader may ask the proxy for. */
  MEDIA_FETCHES_PER_CLIENT_PER_MINUTE: boundedInt(1, 100_000, 120),
  /**
   * Request header that carries the client's address, set by a trusted reverse proxy (such as
   * x-forwarded-for or x-real-ip); unset: the TCP peer's address. Set it only when every request
   * comes through that proxy: clients can send the header themselves.
   */
  TRUSTED_PROXY_CLIENT_HEADER: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, "must be a header name such as x-forwarded-for")
    .transform((v) => v.toLowerCase())
    .optional(),
});

export type Env = z.infer<typeof schema> & { signingKeyPath: string };

/** Every variable read, in the order of .env.example (which documents each). */
export const ENV_VARIABLES = Object.keys(schema.shape);

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const env = result.data;
  if (env.ARCHIVE_ROLE !== "all" && !env.DATABASE_URL)
    throw new EnvError(
      `Invalid configuration:\n  ARCHIVE_ROLE: ${env.ARCHIVE_ROLE} needs DATABASE_URL (embedded PGlite can be opened by one process only, which must be "all")`,
    );
  return {
    ...env,
    signingKeyPath: env.ARCHIVE_SIGNING_KEY_PATH ?? path.join(env.DATA_DIR, "signing.key"),
  };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
