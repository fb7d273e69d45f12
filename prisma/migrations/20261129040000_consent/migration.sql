-- AlterTable
ALTER TABLE "rooms" ADD COLUMN     "purged_at" TIMESTAMPTZ(3),
ADD COLUMN     "purge_reason" TEXT;
