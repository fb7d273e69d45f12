import type { MessagePort } from "node:worker_threads";
import type { JsonObject } from "@/lib/matrix/json-value";
import { toSent, type SentOutcome } from "@/lib/federation/verify-transfer";
import { memoizedLookup, verifyEach } from "@/lib/matrix/verify-many";
import type { VerifyKey, VerifyKeyLookup } from "@/lib/matrix/verify-keys";

// A worker of the verification pool (verify-pool.ts): the CPU part of verifying a share of a
// batch (redaction, canonical JSON, hashes, ed25519), with every key asked of the ingest's
// thread over the task's port, where the key cache and its database live.

export interface VerifyTask {
  /** A JSON array of the share's PDUs (verify-transfer.ts). */
  pdus: string;
  roomVersion: string;
  skipCountLimits?: boolean;
  port: MessagePort;
}

export type KeyRequest = { id: number; server: string; keyId: string; atTs: number };
export type KeyAnswer = { id: number; key?: VerifyKey; error?: string };

function portLookup(port: MessagePort): VerifyKeyLookup {
  const waiting = new Map<number, { resolve: (key: VerifyKey | undefined) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  port.on("message", (answer: KeyAnswer) => {
    const w = waiting.get(answer.id);
    if (!w) return;
    waiting.delete(answer.id);
    if (answer.error !== undefined) w.reject(new Error(answer.error));
    else w.resolve(answer.key);
  });
  return (server, keyId, atTs) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      port.postMessage({ id, server, keyId, atTs } satisfies KeyRequest);
    });
}

export default async function verifyTask(task: VerifyTask): Promise<SentOutcome[]> {
  try {
    const pdus = JSON.parse(task.pdus) as JsonObject[];
    const outcomes = await verifyEach(pdus, task.roomVersion, memoizedLookup(portLookup(task.port)), { skipCountLimits: task.skipCountLimits });
    return outcomes.map(toSent);
  } finally {
    task.port.close();
  }
}
