-- AlterTable
ALTER TABLE "events" ADD COLUMN     "redacts" TEXT;

-- CreateTable
CREATE TABLE "timeline_items" (
    "id" BIGSERIAL NOT NULL,
    "room_id" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "event_id" TEXT,
    "ts" BIGINT,
    "missing_prev_events" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "unknown_successors_of" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "denied_event_id" TEXT,
    "reason" TEXT,

    CONSTRAINT "timeline_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_redacts_idx" ON "events"("redacts");

-- CreateIndex
CREATE UNIQUE INDEX "timeline_items_event_id_key" ON "timeline_items"("event_id");

-- CreateIndex
CREATE INDEX "timeline_items_room_id_ts_idx" ON "timeline_items"("room_id", "ts");

-- CreateIndex
CREATE INDEX "timeline_items_room_id_kind_position_idx" ON "timeline_items"("room_id", "kind", "position");

-- CreateIndex
CREATE INDEX "timeline_items_missing_prev_events_idx" ON "timeline_items" USING GIN ("missing_prev_events");

-- CreateIndex
CREATE INDEX "timeline_items_unknown_successors_of_idx" ON "timeline_items" USING GIN ("unknown_successors_of");

-- CreateIndex
CREATE UNIQUE INDEX "timeline_items_room_id_position_key" ON "timeline_items"("room_id", "position");

-- AddForeignKey
ALTER TABLE "timeline_items" ADD CONSTRAINT "timeline_items_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "events"("event_id") ON DELETE CASCADE ON UPDATE CASCADE;
