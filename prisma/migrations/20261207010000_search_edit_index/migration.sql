-- A search row's message_id is its own event ID except for an edit's row, and only the removal
-- of an edited message's rows looks rows up by it (lib/timeline/search-index.ts, which states the
-- predicate): indexing every message's own ID cost each write a B-tree entry per message (about
-- 0.15 ms per 100 messages on Postgres).
DROP INDEX "message_search_message_id_idx";
CREATE INDEX "message_search_message_id_idx" ON "message_search"("message_id") WHERE "message_id" <> "event_id";
