-- AlterTable
ALTER TABLE "rooms" ADD COLUMN     "stay_out_reason" TEXT;

-- CreateTable
CREATE TABLE "operator_denials" (
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operator_denials_pkey" PRIMARY KEY ("kind","value")
);

-- CreateTable
CREATE TABLE "backfill_progress" (
    "room_id" TEXT NOT NULL,
    "stored" INTEGER NOT NULL DEFAULT 0,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "steps" INTEGER NOT NULL DEFAULT 0,
    "top_depth" BIGINT,
    "frontier_depth" BIGINT,
    "finished" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "backfill_progress_pkey" PRIMARY KEY ("room_id")
);
