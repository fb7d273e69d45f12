import type { Db } from "@/lib/db";
import { refreshOperatorDenials } from "@/lib/federation/policy";
import { leaveAfterPurge, purgeRoomInTx } from "@/lib/federation/purge-room";
import type { JobInfo, JobQueue } from "@/lib/jobs/queue";
import { listGaps, withRoomLock } from "@/lib/timeline";
import { progressOf } from "@/lib/jobs/backfill-progress";

// What the operator CLI does (cli/archive.ts), against the database and the job queue: the same
// functions run in the CLI's own process (Postgres, or PGlite while no server holds it) or in the
// server's, asked through its control socket (lib/archive/control-socket.ts).

export interface OperatorContext {
  db: Db;
  queue: JobQueue;
}

export class OperatorError extends Error {}

const ROOM_ID = /^![^\s:]+(:[^\s]+)?$/;
const ALIAS = /^#[^\s:]+:[^\s]+$/;
const SERVER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** A room the archive knows, by ID or by alias. */
async function findRoom(db: Db, room: string): Promise<{ roomId: string; servers: string[]; status: string; canonicalAlias: string | null }> {
  if (!ROOM_ID.test(room) && !ALIAS.test(room)) throw new OperatorError(`expected a room ID (!id:server) or alias (#name:server), got "${room}"`);
  const row = await db.room.findFirst({
    where: room.startsWith("#") ? { canonicalAlias: room } : { roomId: room },
    select: { roomId: true, servers: true, status: true, canonicalAlias: true },
  });
  if (!row) throw new OperatorError(`the archive does not know ${room} (join it first: archive join ${room})`);
  return row;
}

export interface RoomListing {
  roomId: string;
  alias: string | null;
  name: string | null;
  status: string;
  stayOut: string | null;
  events: number;
  openGaps: number;
  lastActivity: string | null;
  jobs: Array<{ kind: string; state: string }>;
  backfill: { progress: number | null; finished: string | null; stored: number } | null;
  /** Why the room's latest failed job failed, while the queue retries it. */
  lastError: string | null;
}

export async function listRooms(ctx: OperatorContext): Promise<RoomListing[]> {
  const rooms = await ctx.db.room.findMany({ orderBy: { createdAt: "asc" }, take: 10_000 });
  const jobs = await ctx.queue.pending();
  const out: RoomListing[] = [];
  const claimed = new Set<string>();
  for (const room of rooms) {
    // A job names its room by ID, or by alias when it was asked for by alias (a join).
    const own = jobs.filter((j) => {
      const target = jobRoom(j);
      return target !== undefined && (target === room.roomId || (room.canonicalAlias !== null && target === room.canonicalAlias));
    });
    for (const j of own) claimed.add(j.id);
    const [events, last, gaps, progress] = await Promise.all([
      ctx.db.event.count({ where: { roomId: room.roomId } }),
      ctx.db.event.aggregate({ where: { roomId: room.roomId }, _max: { originServerTs: true } }),
      listGaps(ctx.db, room.roomId),
      ctx.db.backfillProgress.findUnique({ where: { roomId: room.roomId } }),
    ]);
    const ts = last._max.originServerTs;
    out.push({
      roomId: room.roomId,
      alias: room.canonicalAlias,
      name: room.name,
      status: room.status,
      stayOut: room.stayOutReason,
      events,
      openGaps: gaps.length,
      lastActivity: ts === null ? null : new Date(Number(ts)).toISOString(),
      jobs: own.map((j) => ({ kind: j.kind, state: j.state })),
      backfill: progress ? { progress: progressOf(progress), finished: progress.finished, stored: progress.stored } : null,
      lastError: lastError(own),
    });
  }
  // Joins of rooms the archive does not hold yet (an alias that does not resolve, a server that
  // does not answer) are rooms too, to the operator who asked for them.
  const waiting = new Map<string, JobInfo[]>();
  for (const job of jobs) {
    const target = jobRoom(job);
    if (job.kind !== "join" || target === undefined || claimed.has(job.id)) continue;
    waiting.set(target, [...(waiting.get(target) ?? []), job]);
  }
  for (const [target, own] of waiting) {
    out.push({
      roomId: target,
      alias: target.startsWith("#") ? target : null,
      name: null,
      status: "joining",
      stayOut: null,
      events: 0,
      openGaps: 0,
      lastActivity: null,
      jobs: own.map((j) => ({ kind: j.kind, state: j.state })),
      backfill: null,
      lastError: lastError(own),
    });
  }
  return out;
}

function lastError(jobs: readonly JobInfo[]): string | null {
  const failed = jobs.filter((j) => j.state === "retry").at(-1);
  const message = (failed?.output as { message?: unknown } | null | undefined)?.message;
  return typeof message === "string" ? message.slice(0, 300) : null;
}

function jobRoom(job: JobInfo): string | undefined {
  const data = job.data as { roomId?: unknown; room?: unknown } | null;
  const id = data?.roomId ?? data?.room;
  return typeof id === "string" ? id : undefined;
}

export async function queueJoin(ctx: OperatorContext, room: string, via: string[]): Promise<{ id: string; joined: boolean }> {
  if (!ROOM_ID.test(room) && !ALIAS.test(room)) throw new OperatorError(`expected a room ID (!id:server) or alias (#name:server), got "${room}"`);
  const bad = via.find((s) => !SERVER.test(s));
  if (bad) throw new OperatorError(`--via expects a server name such as example.org, got "${bad}"`);
  const known = await ctx.db.room.findFirst({ where: room.startsWith("#") ? { canonicalAlias: room } : { roomId: room }, select: { stayOutReason: true } });
  if (known?.stayOutReason) throw new OperatorError(`${room} is kept out of the archive (${known.stayOutReason}); readmit it first: archive readmit ${room}`);
  return ctx.queue.enqueue("join", { room, via });
}

export async function queueBackfill(ctx: OperatorContext, room: string): Promise<{ roomId: string; id: string; joined: boolean }> {
  const row = await findRoom(ctx.db, room);
  if (row.status !== "joined") throw new OperatorError(`${room} is ${row.status}, not joined: nothing to backfill`);
  return { roomId: row.roomId, ...(await ctx.queue.enqueue("backfill", { roomId: row.roomId })) };
}

/** How a room's backfill is doing (for the progress bar). */
export async function backfillStatus(ctx: OperatorContext, roomId: string) {
  const row = await ctx.db.backfillProgress.findUnique({ where: { roomId } });
  const running = (await ctx.queue.pending(roomId)).filter((j) => j.kind === "backfill");
  const events = await ctx.db.event.count({ where: { roomId } });
  return {
    events,
    stored: row?.stored ?? 0,
    progress: row ? progressOf(row) : null,
    finished: running.length > 0 ? null : (row?.finished ?? null),
    running: running.length > 0,
    lastError: running.find((j) => j.state === "retry")?.output ?? null,
  };
}

export async function queueGapFills(ctx: OperatorContext, room: string): Promise<{ roomId: string; jobs: string[] }> {
  const row = await findRoom(ctx.db, room);
  if (row.status !== "joined") throw new OperatorError(`${room} is ${row.status}, not joined`);
  const gaps = (await listGaps(ctx.db, row.roomId)).slice(0, 1_000);
  const jobs: string[] = [];
  for (const gap of gaps) jobs.push((await ctx.queue.enqueue("fill-gap", { roomId: row.roomId, gapId: gap.gapId })).id);
  return { roomId: row.roomId, jobs };
}

/** Deletes a room's history at once, leaves it, and keeps it out until readmitted. */
export async function purgeByOperator(ctx: OperatorContext, room: string, reason: string): Promise<{ roomId: string; events: number }> {
  const row = await findRoom(ctx.db, room);
  const change = { historyVisibility: "world_readable", eventId: "operator", sender: "operator", originServerTs: Date.now(), reason, optOut: true };
  const purged = await withRoomLock(ctx.db, row.roomId, (tx) => purgeRoomInTx(tx, row.roomId, change));
  if (!purged) {
    // Not joined (already purged or left): still keep it out.
    await ctx.db.room.update({ where: { roomId: row.roomId }, data: { stayOutReason: reason } });
    return { roomId: row.roomId, events: 0 };
  }
  const full = await ctx.db.room.findUniqueOrThrow({ where: { roomId: row.roomId }, select: { roomId: true, roomVersion: true, servers: true } });
  const result = await leaveAfterPurge(ctx.db, full, change, purged, { waitForLeave: true });
  await result.leaving;
  return { roomId: row.roomId, events: purged.events };
}

export async function deny(
  ctx: OperatorContext,
  target: string,
  reason: string | undefined,
): Promise<{ kind: "room" | "server"; value: string; purged?: number }> {
  const kind = target.startsWith("!") || target.startsWith("#") ? "room" : "server";
  if (kind === "room" ? !ROOM_ID.test(target) && !ALIAS.test(target) : !SERVER.test(target))
    throw new OperatorError(`expected a room ID, a room alias or a server name, got "${target}"`);
  await ctx.db.operatorDenial.upsert({
    where: { kind_value: { kind, value: target } },
    create: { kind, value: target, reason: reason ?? null },
    update: { reason: reason ?? null },
  });
  await refreshOperatorDenials(ctx.db);
  if (kind === "server") return { kind, value: target };
  const known = await ctx.db.room.findFirst({ where: target.startsWith("#") ? { canonicalAlias: target } : { roomId: target }, select: { roomId: true } });
  if (!known) return { kind, value: target };
  const purged = await purgeByOperator(ctx, known.roomId, `denied by the operator${reason ? `: ${reason}` : ""}`);
  // The alias denial covers the room's ID too, on every path.
  if (known.roomId !== target)
    await ctx.db.operatorDenial.upsert({
      where: { kind_value: { kind, value: known.roomId } },
      create: { kind, value: known.roomId, reason: reason ?? null },
      update: {},
    });
  await refreshOperatorDenials(ctx.db);
  return { kind, value: target, purged: purged.events };
}

/** Lifts the opt-out, purge or denial of a room and joins it again. */
export async function readmit(ctx: OperatorContext, room: string): Promise<{ roomId: string; id: string }> {
  const row = await findRoom(ctx.db, room);
  const names = [row.roomId, ...(row.canonicalAlias ? [row.canonicalAlias] : []), room];
  await ctx.db.operatorDenial.deleteMany({ where: { kind: "room", value: { in: names } } });
  await refreshOperatorDenials(ctx.db);
  await ctx.db.room.update({ where: { roomId: row.roomId }, data: { stayOutReason: null } });
  const job = await ctx.queue.enqueue("join", { room: row.roomId, via: row.servers.slice(0, 5) });
  return { roomId: row.roomId, id: job.id };
}
