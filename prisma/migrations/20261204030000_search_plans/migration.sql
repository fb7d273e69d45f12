-- Search walks a room's newest rows in the order of its result pages (time, then event ID):
-- an index in exactly that order lets it stop after a window of rows without sorting the room.
-- It replaces the (room_id, ts) index, a prefix of it.
DROP INDEX "message_search_room_id_ts_idx";

-- CreateIndex
CREATE INDEX "message_search_room_id_ts_event_id_idx" ON "message_search"("room_id", "ts", "event_id");

-- With fastupdate, new entries wait in a pending list that every search reads through until a
-- vacuum merges it, and embedded PGlite never vacuums: up to 4 MB of it made each search of a
-- 100,000-message room cost 30 ms or more. Entries now go into the index as they are written.
ALTER INDEX "message_search_tsv_idx" SET (fastupdate = off);
SELECT gin_clean_pending_list('message_search_tsv_idx');
