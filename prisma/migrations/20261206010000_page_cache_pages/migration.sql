-- CreateTable
CREATE TABLE "page_cache_pages" (
    "key" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "build" TEXT NOT NULL,
    "seq" BIGINT NOT NULL,
    "tags" TEXT[],
    "rendered_at" BIGINT NOT NULL,
    "expires_at" BIGINT NOT NULL,
    "cache_control" JSONB,
    "body" BYTEA NOT NULL,
    "bytes" INTEGER NOT NULL,
    "stored_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "page_cache_pages_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "page_cache_pages_path_idx" ON "page_cache_pages"("path");

-- CreateIndex
CREATE INDEX "page_cache_pages_tags_idx" ON "page_cache_pages" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "page_cache_pages_stored_at_idx" ON "page_cache_pages"("stored_at");
