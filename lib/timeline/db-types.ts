import type { Prisma } from "@/lib/generated/prisma/client";

/** The client inside a room-locked transaction. */
export type Tx = Prisma.TransactionClient;
