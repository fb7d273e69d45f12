-- AlterTable
ALTER TABLE "rooms" ADD COLUMN     "purge_reason" TEXT,
ADD COLUMN     "purged_at" TIMESTAMPTZ(3);
