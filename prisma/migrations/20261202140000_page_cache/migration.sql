-- CreateTable
CREATE TABLE "page_cache_epoch" (
    "id" INTEGER NOT NULL,
    "seq" BIGINT NOT NULL,

    CONSTRAINT "page_cache_epoch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "page_cache_invalidations" (
    "seq" BIGINT NOT NULL,
    "tags" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "page_cache_invalidations_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "page_cache_invalidations_created_at_idx" ON "page_cache_invalidations"("created_at");

INSERT INTO "page_cache_epoch" ("id", "seq") VALUES (1, 0);
