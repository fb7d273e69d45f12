-- CreateTable
CREATE TABLE "rooms" (
    "room_id" TEXT NOT NULL,
    "room_version" TEXT NOT NULL,
    "canonical_alias" TEXT,
    "name" TEXT,
    "topic" TEXT,
    "avatar_url" TEXT,
    "history_visibility" TEXT,
    "world_readable_since" TIMESTAMPTZ(3),
    "world_readable_by" TEXT,
    "status" TEXT NOT NULL DEFAULT 'joined',
    "servers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "joined_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("room_id")
);

-- CreateTable
CREATE TABLE "events" (
    "event_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state_key" TEXT,
    "sender" TEXT NOT NULL,
    "origin_server_ts" BIGINT NOT NULL,
    "depth" BIGINT NOT NULL,
    "prev_events" TEXT[],
    "auth_events" TEXT[],
    "pdu" TEXT NOT NULL,
    "redacted" BOOLEAN NOT NULL DEFAULT false,
    "redacted_by" TEXT,
    "denied_reason" TEXT,
    "source" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "server_keys" (
    "server_name" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "valid_until_ts" BIGINT NOT NULL,
    "expired_ts" BIGINT,
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "server_keys_pkey" PRIMARY KEY ("server_name","key_id")
);

-- CreateTable
CREATE TABLE "archive_keys" (
    "key_id" TEXT NOT NULL,
    "seed" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "archive_keys_pkey" PRIMARY KEY ("key_id")
);

-- CreateIndex
CREATE INDEX "rooms_canonical_alias_idx" ON "rooms"("canonical_alias");

-- CreateIndex
CREATE INDEX "events_room_id_origin_server_ts_idx" ON "events"("room_id", "origin_server_ts");

-- CreateIndex
CREATE INDEX "events_room_id_type_state_key_idx" ON "events"("room_id", "type", "state_key");

-- CreateIndex
CREATE INDEX "events_prev_events_idx" ON "events" USING GIN ("prev_events");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("room_id") ON DELETE CASCADE ON UPDATE CASCADE;
