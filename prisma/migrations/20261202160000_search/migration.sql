-- Full-text search of message bodies (docs/search.md). One row per searchable message or edit,
-- written and deleted by lib/timeline's write path: never for rejected, soft-failed or redacted
-- events, removed when an event is redacted or withheld; purges delete it with the events.
-- CreateTable
CREATE TABLE "message_search" (
    "event_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "message_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "ts" BIGINT NOT NULL,
    "body" TEXT NOT NULL,
    "tsv" tsvector NOT NULL,

    CONSTRAINT "message_search_pkey" PRIMARY KEY ("event_id")
);

-- CreateIndex
CREATE INDEX "message_search_tsv_idx" ON "message_search" USING GIN ("tsv");

-- CreateIndex
CREATE INDEX "message_search_room_id_ts_idx" ON "message_search"("room_id", "ts");

-- CreateIndex
CREATE INDEX "message_search_message_id_idx" ON "message_search"("message_id");

-- AddForeignKey
ALTER TABLE "message_search" ADD CONSTRAINT "message_search_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("event_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The messages stored before this migration, as lib/timeline/search-index.ts would have written
-- them (placed, not redacted, withheld, rejected or soft-failed; an edit under the message it
-- edits; a reply without its quoted fallback).
WITH m AS (
    SELECT e.event_id, e.room_id, e.sender, e.origin_server_ts AS ts, e.pdu::jsonb -> 'content' AS c
    FROM "events" e JOIN "timeline_items" i ON i.event_id = e.event_id
    WHERE e.type = 'm.room.message' AND NOT e.redacted AND e.denied_reason IS NULL
      AND e.rejected_reason IS NULL AND e.soft_failed_reason IS NULL
), r AS (
    SELECT m.*, (c -> 'm.relates_to' ->> 'rel_type' = 'm.replace' AND jsonb_typeof(c -> 'm.relates_to' -> 'event_id') = 'string') AS is_edit
    FROM m
), b AS (
    SELECT event_id, room_id, sender, ts,
        CASE WHEN is_edit THEN c -> 'm.relates_to' ->> 'event_id' ELSE event_id END AS message_id,
        btrim(left(CASE
            WHEN is_edit THEN CASE WHEN jsonb_typeof(c -> 'm.new_content' -> 'body') = 'string' THEN c -> 'm.new_content' ->> 'body' END
            WHEN jsonb_typeof(c -> 'body') <> 'string' THEN NULL
            WHEN jsonb_typeof(c -> 'm.relates_to' -> 'm.in_reply_to') = 'object' THEN regexp_replace(c ->> 'body', '^(>[^\n]*(\n|$))+\n?', '')
            ELSE c ->> 'body'
        END, 20000), E' \t\n\r') AS body
    FROM r
)
INSERT INTO "message_search" ("event_id", "room_id", "message_id", "sender", "ts", "body", "tsv")
SELECT event_id, room_id, message_id, sender, ts, body, to_tsvector('english', body)
FROM b WHERE body IS NOT NULL AND body <> '';
