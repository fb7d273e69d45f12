-- CreateTable
CREATE TABLE "federation_transactions" (
    "origin" TEXT NOT NULL,
    "txn_id" TEXT NOT NULL,
    "response" JSONB NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "federation_transactions_pkey" PRIMARY KEY ("origin","txn_id")
);

-- CreateIndex
CREATE INDEX "federation_transactions_received_at_idx" ON "federation_transactions"("received_at");
