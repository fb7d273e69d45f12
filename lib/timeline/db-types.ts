import type { Prisma } from "@/lib/generated/prisma/client";

/** The client inside a room-locked transaction. */
export type Tx = Prisma.TransactionClient;

// Queries in this module that look events up by ID, prev_events or redacts compare room_id
// through an expression (`room_id || '' = …`). PGlite never runs ANALYZE, and without
// statistics the planner prefers the room_id indexes, scanning the whole room on every batch;
// the expression leaves it only the selective index (event ID, GIN on prev_events, redacts).
