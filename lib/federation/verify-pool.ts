import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import { fromSent, sendsAsText, type SentOutcome } from "@/lib/federation/verify-transfer";
import type { KeyAnswer, KeyRequest, VerifyTask } from "@/lib/federation/verify-worker";
import { logger } from "@/lib/log";
import type { JsonObject } from "@/lib/matrix/json-value";
import { memoizedLookup, verifyEach, type VerifyOutcome } from "@/lib/matrix/verify-many";
import { toVerifyKey, type VerifyKeyLookup } from "@/lib/matrix/verify-keys";

// Verification spread over worker threads when the machine has more than one core: a batch
// is cut into one contiguous share per thread, each share verified by the same loop as on the
// ingest's thread (lib/matrix/verify-many.ts), and the outcomes joined back in order, so the
// accept/drop/defer decisions are the ones an inline run gives. Keys are asked of the calling
// thread (the key cache and its database live there), once per key and batch.
//
// Piscina runs the threads: it queues tasks, replaces a worker that dies, lets idle workers
// exit and never holds the process open, which a hand-written pool would have to get right
// again. A share is a task; the task carries a MessagePort for its key lookups.

/** Below this many PDUs per thread, posting a share costs more than verifying it here. */
const MIN_SHARE = 16;
/** Idle workers exit after this long; the next batch starts them again (~0.5 s with tsx). */
const IDLE_MS = 60_000;

/**
 * The file a worker thread loads. The built server (`.next/archive/start.mjs`) has the worker
 * bundled beside it by the same build (scripts/build-server.mjs): plain JavaScript, nothing to
 * transpile, no tsx loader resident in every thread. Anything else (tests, the CLI under tsx,
 * `next dev`) boots the TypeScript task through tsx.
 */
export function workerFile(entry = process.argv[1] ?? "", cwd = process.cwd()): string {
  const bundled = path.join(path.dirname(path.resolve(entry)), "verify-worker.mjs");
  if (path.basename(entry) === "start.mjs" && path.basename(path.dirname(path.resolve(entry))) === "archive" && existsSync(bundled)) return bundled;
  return path.resolve(cwd, "lib/federation/verify-worker-boot.mjs");
}

export type VerifyPool = Piscina<VerifyTask, SentOutcome[]>;

/** A pool of `threads` verification workers, or null when the worker's file is not there to load. */
export function createVerifyPool(threads: number, filename = workerFile()): VerifyPool | null {
  if (!existsSync(filename)) {
    logger.warn({ file: filename }, "verification worker not found: verifying on the ingest's thread");
    return null;
  }
  const created = new Piscina<VerifyTask, SentOutcome[]>({ filename, minThreads: 0, maxThreads: threads, idleTimeout: IDLE_MS, atomics: "disabled" });
  logger.info({ threads, file: filename }, "verification pool: PDU batches are verified on worker threads");
  return created;
}

let pool: VerifyPool | null | undefined;

/** The process's pool, one thread per core, or null when verification stays on this thread (one core). */
function verifyPool(): VerifyPool | null {
  if (pool === undefined) pool = os.availableParallelism() < 2 ? null : createVerifyPool(os.availableParallelism());
  return pool;
}

/** How many shares a batch of `n` PDUs is cut into on a pool of `threads` (1: verify inline). */
export function sharesFor(n: number, threads: number): number {
  return Math.max(1, Math.min(threads, Math.floor(n / MIN_SHARE)));
}

/**
 * Verifies PDUs of one room: on the pool when there is one and the batch is large enough,
 * else on this thread. `lookup` is asked once per (server, key ID) for the whole batch.
 */
export async function verifyMany(
  pdus: readonly JsonObject[],
  roomVersion: string,
  lookup: VerifyKeyLookup,
  options: { skipCountLimits?: boolean; pool?: VerifyPool | null } = {},
): Promise<VerifyOutcome[]> {
  const memo = memoizedLookup(lookup);
  const workers = options.pool === undefined ? verifyPool() : options.pool;
  const shares = workers ? sharesFor(pdus.length, workers.options.maxThreads) : 1;
  if (!workers || shares < 2) return verifyEach(pdus, roomVersion, memo, { skipCountLimits: options.skipCountLimits });
  const size = Math.ceil(pdus.length / shares);
  try {
    const parts = await Promise.all(
      Array.from({ length: shares }, (_, s) => runShare(workers, pdus.slice(s * size, (s + 1) * size), roomVersion, memo, options.skipCountLimits)),
    );
    return parts.flat();
  } catch (error) {
    // A worker that could not start or died: the decisions must not depend on it.
    logger.warn({ err: error }, "verification pool failed: verifying the batch on the ingest's thread");
    return verifyEach(pdus, roomVersion, memo, { skipCountLimits: options.skipCountLimits });
  }
}

async function runShare(
  workers: VerifyPool,
  pdus: JsonObject[],
  roomVersion: string,
  lookup: VerifyKeyLookup,
  skipCountLimits: boolean | undefined,
): Promise<VerifyOutcome[]> {
  const sent: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < pdus.length; i++) (sendsAsText(pdus[i]) ? sent : kept).push(i);
  const text = `[${sent.map((i) => JSON.stringify(pdus[i])).join(",")}]`;
  const { port1, port2 } = new MessageChannel();
  port1.on("message", (request: KeyRequest) => {
    lookup(request.server, request.keyId, request.atTs).then(
      (found) => port1.postMessage({ id: request.id, key: found === undefined ? undefined : toVerifyKey(found) } satisfies KeyAnswer),
      (error: unknown) => port1.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies KeyAnswer),
    );
  });
  try {
    const [remote, local] = await Promise.all([
      sent.length === 0 ? [] : workers.run({ pdus: text, roomVersion, skipCountLimits, port: port2 }, { transferList: [port2] }),
      verifyEach(
        kept.map((i) => pdus[i]),
        roomVersion,
        lookup,
        { skipCountLimits },
      ),
    ]);
    const outcomes: VerifyOutcome[] = new Array(pdus.length);
    sent.forEach((i, k) => (outcomes[i] = fromSent(remote[k]!, pdus[i]!, roomVersion)));
    kept.forEach((i, k) => (outcomes[i] = local[k]!));
    return outcomes;
  } finally {
    port1.close();
  }
}
