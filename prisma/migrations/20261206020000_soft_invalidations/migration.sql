-- AlterTable
ALTER TABLE "page_cache_invalidations" ADD COLUMN "soft" BOOLEAN NOT NULL DEFAULT false;
