import { z } from "zod";
import type { Db } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { InboundError, jsonResponse } from "@/lib/federation/inbound/http";
import { ingestLivePdus } from "@/lib/federation/ingest-live";
import { prunePeriodically } from "@/lib/federation/inbound/prune-transactions";
import { logger } from "@/lib/log";
import { isJsonObject, type JsonObject } from "@/lib/matrix/json-value";

// PUT /_matrix/federation/v1/send/{txnId}. Always 200 with a result per PDU once the request is
// authenticated: any other status makes Synapse back off the archive for minutes. A repeated
// (origin, txnId) gets the stored answer; PDUs are deduplicated by event ID in the store anyway,
// since a sender may retry under a new txnId.

const transactionSchema = z.object({
  origin: z.string(),
  origin_server_ts: z.unknown(),
  pdus: z.array(z.custom<JsonObject>(isJsonObject, "PDUs must be objects")).max(50),
  edus: z.array(z.unknown()).max(100).optional(),
});

export type PduResults = Record<string, { error?: string }>;

export async function handleSendTransaction(db: Db, origin: string, txnId: string, body: JsonObject): Promise<Response> {
  const parsed = transactionSchema.safeParse(body);
  if (!parsed.success) throw new InboundError(400, "M_BAD_JSON", `invalid transaction: ${z.prettifyError(parsed.error)}`);
  if (parsed.data.origin !== origin) {
    throw new InboundError(400, "M_FORBIDDEN", `transaction origin ${parsed.data.origin} is not the authenticated server ${origin}`);
  }
  prunePeriodically(db);
  const previous = await db.federationTransaction.findUnique({ where: { origin_txnId: { origin, txnId } } });
  if (previous) return jsonResponse(previous.response);

  let results: PduResults = {};
  if (getEnv().SERVER_DENY.includes(origin)) {
    // A denied server's PDUs are not stored, but the answer stays a well-formed 200.
    logger.info({ origin, txnId }, "ignoring a transaction from a denied server");
  } else if (parsed.data.pdus.length > 0) {
    results = await ingestLivePdus(db, origin, parsed.data.pdus);
  }
  const response = { pdus: results };
  await db.federationTransaction
    .create({ data: { origin, txnId, response } })
    .catch((err: unknown) => logger.debug({ err, origin, txnId }, "transaction already recorded"));
  return jsonResponse(response);
}
