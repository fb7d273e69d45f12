-- AlterTable
ALTER TABLE "events" ADD COLUMN     "rel_type" TEXT,
ADD COLUMN     "relates_to" TEXT;

-- CreateIndex
CREATE INDEX "events_relates_to_idx" ON "events"("relates_to");

-- Events stored before this migration: the same relation the insert path records.
UPDATE "events" SET
  "relates_to" = "pdu"::jsonb -> 'content' -> 'm.relates_to' ->> 'event_id',
  "rel_type" = CASE WHEN jsonb_typeof("pdu"::jsonb -> 'content' -> 'm.relates_to' -> 'rel_type') = 'string'
    THEN "pdu"::jsonb -> 'content' -> 'm.relates_to' ->> 'rel_type' END
WHERE "pdu" LIKE '%m.relates_to%'
  AND jsonb_typeof("pdu"::jsonb -> 'content' -> 'm.relates_to' -> 'event_id') = 'string';
