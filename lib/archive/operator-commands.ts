import { parseArgs } from "node:util";
import {
  backfillStatus,
  deny,
  listRooms,
  OperatorError,
  purgeByOperator,
  queueBackfill,
  queueGapFills,
  queueJoin,
  readmit,
  type OperatorContext,
} from "@/lib/archive/operator";
import type { JobKind } from "@/lib/jobs/queue";

// The operator CLI's commands (cli/archive.ts): argument checking, the operator functions, and
// what they say, as messages the CLI renders (a progress bar on a terminal, plain lines
// otherwise). The same runner serves the CLI's own process and the server's control socket.

export type OperatorMessage =
  | { type: "line"; text: string }
  | { type: "json"; value: unknown }
  | { type: "progress"; label: string; fraction: number | null; stored: number; events: number }
  | { type: "error"; text: string };

export type Emit = (message: OperatorMessage) => void;

const USAGE = `usage: archive <command> [options]

  join <alias|room id> [--via server]... [--no-wait]   join a room and keep it (its backfill follows)
  rooms [--json]                                       rooms with status, events held, open gaps, last activity, jobs
  backfill <room> [--no-wait]                          backfill toward the room's creation, with progress
  fill-gaps <room> [--no-wait]                         try to fill every gap of the room
  deny <room|server> [--reason text]                   never archive this room (purged now) or accept this server
  purge <room> [--reason text]                         delete the room's history, leave it, keep it out
  readmit <room>                                       lift an opt-out, purge or denial and join again

<room> is a room ID (!abc:example.org) or an alias (#room:example.org).`;

const WAIT_MS = { join: 5 * 60_000, backfill: 6 * 3600_000, fillGaps: 30 * 60_000 };
const POLL_MS = 1_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function oneTarget(positionals: string[], command: string, what: string): string {
  if (positionals.length !== 1) throw new OperatorError(`${command} expects one ${what}, got ${positionals.length === 0 ? "none" : positionals.join(" ")}`);
  return positionals[0]!;
}

/** The job the command waited for failed (for good, or once and now waits for its retry): exit 1, not 2. */
class JobFailed extends Error {}

async function waitFor(ctx: OperatorContext, kind: JobKind, id: string, timeoutMs: number, emit: Emit, label: string) {
  // A join that failed once is not worth minutes of watching its retries: say why, and that it goes on.
  const job = await ctx.queue.wait(kind, id, timeoutMs, { untilRetry: kind === "join" });
  if (!job) throw new OperatorError(`the ${label} job disappeared`);
  if (job.state === "failed") throw new JobFailed(`the ${label} failed: ${JSON.stringify(job.output)}`);
  if (job.state === "retry") {
    const message = (job.output as { message?: unknown } | null)?.message;
    throw new JobFailed(
      `the ${label} failed: ${typeof message === "string" ? message : JSON.stringify(job.output)}; the queue retries it with backoff (job ${id}, see archive rooms)`,
    );
  }
  if (job.state !== "completed") emit({ type: "line", text: `the ${label} is still ${job.state} (job ${id}); it goes on in the background` });
  return job;
}

/** Runs one command; returns the exit status (0 ok, 1 failed, 2 bad arguments). */
export async function runOperatorCommand(ctx: OperatorContext, argv: string[], emit: Emit): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case "join": {
        const { values, positionals } = parseArgs({
          args,
          allowPositionals: true,
          options: { via: { type: "string", multiple: true }, "no-wait": { type: "boolean" } },
        });
        const room = oneTarget(positionals, "join", "room alias or ID");
        const job = await queueJoin(ctx, room, values.via ?? []);
        emit({ type: "line", text: `${job.joined ? "joined the running" : "queued a"} join of ${room} (job ${job.id})` });
        if (values["no-wait"]) return 0;
        const done = await waitFor(ctx, "join", job.id, WAIT_MS.join, emit, "join");
        const result = done.output as { status?: string; roomId?: string; error?: string; stored?: number } | null;
        if (result?.status === "joined") emit({ type: "line", text: `joined ${result.roomId} (${result.stored ?? 0} events); its backfill is queued` });
        else if (result) emit({ type: "error", text: `${result.status}: ${result.error ?? ""}` });
        return result?.status === "joined" || done.state !== "completed" ? 0 : 1;
      }
      case "rooms": {
        const { values } = parseArgs({ args, options: { json: { type: "boolean" } } });
        const rooms = await listRooms(ctx);
        if (values.json) emit({ type: "json", value: rooms });
        else if (rooms.length === 0) emit({ type: "line", text: "no rooms yet: archive join <alias>" });
        else for (const line of formatRooms(rooms)) emit({ type: "line", text: line });
        return 0;
      }
      case "backfill": {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { "no-wait": { type: "boolean" } } });
        const queued = await queueBackfill(ctx, oneTarget(positionals, "backfill", "room"));
        emit({ type: "line", text: `${queued.joined ? "following the running" : "queued the"} backfill of ${queued.roomId} (job ${queued.id})` });
        if (values["no-wait"]) return 0;
        const deadline = Date.now() + WAIT_MS.backfill;
        for (let round = 0; Date.now() < deadline && round < WAIT_MS.backfill / POLL_MS; round++) {
          const status = await backfillStatus(ctx, queued.roomId);
          emit({ type: "progress", label: "backfill", fraction: status.progress, stored: status.stored, events: status.events });
          if (!status.running) {
            emit({ type: "line", text: `backfill ${status.finished ?? "stopped"}: ${status.events} events held, ${status.stored} stored by this backfill` });
            return 0;
          }
          await sleep(POLL_MS);
        }
        emit({ type: "line", text: "stopped following; the backfill goes on in the background" });
        return 0;
      }
      case "fill-gaps": {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { "no-wait": { type: "boolean" } } });
        const queued = await queueGapFills(ctx, oneTarget(positionals, "fill-gaps", "room"));
        emit({ type: "line", text: `queued fills of ${queued.jobs.length} gaps of ${queued.roomId}` });
        if (values["no-wait"]) return 0;
        let stored = 0;
        for (const id of queued.jobs) {
          const job = await ctx.queue.wait("fill-gap", id, WAIT_MS.fillGaps);
          stored += Number((job?.output as { stored?: number } | null)?.stored ?? 0);
        }
        const left = (await listRooms(ctx)).find((r) => r.roomId === queued.roomId)?.openGaps ?? 0;
        emit({ type: "line", text: `stored ${stored} events; ${left} gaps left` });
        return 0;
      }
      case "deny": {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: "string" } } });
        const done = await deny(ctx, oneTarget(positionals, "deny", "room or server"), values.reason);
        emit({ type: "line", text: `denied ${done.kind} ${done.value}${done.purged !== undefined ? `; purged ${done.purged} events` : ""}` });
        return 0;
      }
      case "purge": {
        const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reason: { type: "string" } } });
        const done = await purgeByOperator(ctx, oneTarget(positionals, "purge", "room"), values.reason ?? "purged by the operator");
        emit({ type: "line", text: `purged ${done.roomId}: ${done.events} events deleted; kept out until readmitted` });
        return 0;
      }
      case "readmit": {
        const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
        const done = await readmit(ctx, oneTarget(positionals, "readmit", "room"));
        emit({ type: "line", text: `readmitted ${done.roomId}; join queued (job ${done.id})` });
        const job = await waitFor(ctx, "join", done.id, WAIT_MS.join, emit, "join");
        const result = job.output as { status?: string; error?: string } | null;
        if (result && result.status !== "joined") emit({ type: "error", text: `${result.status}: ${result.error ?? ""}` });
        return !result || result.status === "joined" ? 0 : 1;
      }
      case undefined:
      case "help":
      case "--help":
        emit({ type: "line", text: USAGE });
        return command === undefined ? 2 : 0;
      default:
        emit({ type: "error", text: `unknown command "${command}"\n\n${USAGE}` });
        return 2;
    }
  } catch (err) {
    // parseArgs throws TypeErrors with a code for unknown or malformed options.
    const badArgs = err instanceof OperatorError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    emit({ type: "error", text: (err as Error).message });
    return badArgs ? 2 : 1;
  }
}

function formatRooms(rooms: Awaited<ReturnType<typeof listRooms>>): string[] {
  const rows = rooms.map((r) => [
    r.alias ?? r.roomId,
    r.stayOut ? `${r.status} (kept out)` : r.status,
    String(r.events),
    String(r.openGaps),
    r.lastActivity ? r.lastActivity.slice(0, 16).replace("T", " ") : "-",
    r.backfill ? (r.backfill.finished ?? `${r.backfill.progress === null ? "?" : Math.round(r.backfill.progress * 100)}%`) : "-",
    r.jobs.map((j) => `${j.kind}:${j.state}`).join(",") || "-",
  ]);
  const header = ["room", "status", "events", "gaps", "last activity (UTC)", "backfill", "jobs"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const table = [header, ...rows].map((cols) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
  const errors = rooms.filter((r) => r.lastError).map((r) => `${r.alias ?? r.roomId}: retrying after: ${r.lastError}`);
  return errors.length > 0 ? [...table, "", ...errors] : table;
}
