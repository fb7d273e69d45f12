import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneTransactions, TRANSACTION_RETENTION_MS } from "@/lib/federation/inbound/prune-transactions";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

describe("pruning federation transactions", () => {
  it("deletes the answers older than the retention and keeps the recent ones", async () => {
    const now = Date.now();
    const at = (ago: number) => new Date(now - ago);
    await db.prisma.federationTransaction.createMany({
      data: [
        { origin: "a.example", txnId: "old", response: { pdus: {} }, receivedAt: at(TRANSACTION_RETENTION_MS + 60_000) },
        { origin: "b.example", txnId: "older", response: { pdus: {} }, receivedAt: at(30 * TRANSACTION_RETENTION_MS) },
        { origin: "a.example", txnId: "recent", response: { pdus: {} }, receivedAt: at(60_000) },
      ],
    });
    expect(await pruneTransactions(db.prisma, now)).toBe(2);
    const left = await db.prisma.federationTransaction.findMany({ select: { txnId: true } });
    expect(left.map((t) => t.txnId)).toEqual(["recent"]);
    expect(await pruneTransactions(db.prisma, now)).toBe(0);
  });
});
