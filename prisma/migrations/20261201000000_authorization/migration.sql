-- AlterTable
ALTER TABLE "events" ADD COLUMN     "overruled_reason" TEXT,
ADD COLUMN     "redacts_any" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "rejected_reason" TEXT,
ADD COLUMN     "replaces_state" TEXT,
ADD COLUMN     "soft_failed_reason" TEXT,
ADD COLUMN     "state_group" BIGINT;

-- AlterTable
ALTER TABLE "rooms" ADD COLUMN     "current_state_group" BIGINT,
ADD COLUMN     "join_rule" TEXT,
ADD COLUMN     "server_acl" JSONB;

-- CreateTable
CREATE TABLE "state_groups" (
    "id" BIGSERIAL NOT NULL,
    "room_id" TEXT NOT NULL,
    "prev_group" BIGINT,
    "delta_depth" INTEGER NOT NULL,

    CONSTRAINT "state_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "state_group_entries" (
    "group_id" BIGINT NOT NULL,
    "type" TEXT NOT NULL,
    "state_key" TEXT NOT NULL,
    "event_id" TEXT,

    CONSTRAINT "state_group_entries_pkey" PRIMARY KEY ("group_id","type","state_key")
);

-- CreateTable
CREATE TABLE "forward_extremities" (
    "room_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,

    CONSTRAINT "forward_extremities_pkey" PRIMARY KEY ("room_id","event_id")
);

-- CreateIndex
CREATE INDEX "events_room_id_state_group_idx" ON "events"("room_id", "state_group");

-- CreateIndex
CREATE INDEX "state_groups_room_id_idx" ON "state_groups"("room_id");

-- AddForeignKey
ALTER TABLE "state_group_entries" ADD CONSTRAINT "state_group_entries_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "state_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;
