-- The media that stored events name (docs/media.md): one row per (event, mxc URI), written and
-- deleted by lib/timeline's write path (lib/timeline/media-refs.ts), deleted with the events on
-- a purge. The media proxy looks an mxc URI up here by index instead of scanning every PDU.
-- CreateTable
CREATE TABLE "media_refs" (
    "event_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "server_name" TEXT NOT NULL,
    "media_id" TEXT NOT NULL,

    CONSTRAINT "media_refs_pkey" PRIMARY KEY ("event_id","server_name","media_id")
);

-- CreateIndex
CREATE INDEX "media_refs_server_name_media_id_idx" ON "media_refs"("server_name", "media_id");

-- CreateIndex
CREATE INDEX "media_refs_room_id_idx" ON "media_refs"("room_id");

-- AddForeignKey
ALTER TABLE "media_refs" ADD CONSTRAINT "media_refs_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("event_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The references of the events stored before this migration, as lib/timeline/media-refs.ts
-- would have written them: placed events that are not redacted, withheld, rejected or
-- soft-failed; every string of the content (16 levels deep at most) that is exactly a valid
-- mxc URI, and the mxc URIs inside a formatted_body; at most 32 per event.
WITH shown AS (
    SELECT e.event_id, e.room_id, e.pdu::jsonb -> 'content' AS c
    FROM "events" e JOIN "timeline_items" i ON i.event_id = e.event_id
    WHERE NOT e.redacted AND e.denied_reason IS NULL AND e.rejected_reason IS NULL AND e.soft_failed_reason IS NULL
      AND strpos(e.pdu, 'mxc://') > 0
), uris AS (
    SELECT s.event_id, s.room_id, v #>> '{}' AS uri
    FROM shown s CROSS JOIN LATERAL jsonb_path_query(s.c, 'strict $.**{0 to 16}') AS v
    WHERE jsonb_typeof(v) = 'string'
    UNION ALL
    SELECT s.event_id, s.room_id, m[1]
    FROM shown s
    CROSS JOIN LATERAL jsonb_path_query(s.c, 'strict $.**{0 to 15}.formatted_body') AS f
    CROSS JOIN LATERAL regexp_matches(CASE WHEN jsonb_typeof(f) = 'string' THEN f #>> '{}' ELSE '' END,
        '(mxc://[^/[:space:]"''<>]{1,255}/[A-Za-z0-9_-]{1,255})', 'g') AS m
), parsed AS (
    SELECT DISTINCT event_id, room_id,
        substring(uri FROM '^mxc://([^/]*)/') AS server_name,
        substring(uri FROM '^mxc://[^/]*/(.*)$') AS media_id
    FROM uris WHERE starts_with(uri, 'mxc://')
), valid AS (
    SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY server_name, media_id) AS n
    FROM parsed
    WHERE server_name ~ '^(?:[A-Za-z0-9.-]{1,255}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$'
      AND media_id ~ '^[A-Za-z0-9_-]{1,255}$'
)
INSERT INTO "media_refs" ("event_id", "room_id", "server_name", "media_id")
SELECT event_id, room_id, server_name, media_id FROM valid WHERE n <= 32;
