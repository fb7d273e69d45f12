import { Prisma } from "@/lib/generated/prisma/client";

type Sql = Pick<Prisma.TransactionClient, "$executeRaw" | "$queryRaw">;

/**
 * Appends one entry to the invalidation log: the next sequence number and the tags; and deletes
 * the pages kept in the database that carry one of the tags (lib/page-cache/disk-tier.ts), so
 * what the write removed (a purge, a redaction) leaves the disk with it. The epoch row's lock is
 * held until the caller's transaction commits, so numbers are handed out in commit order and a
 * reader that has seen number n has seen every entry before it. Call it as the last statement of
 * a transaction (the lock serializes writers of every room from here to commit).
 *
 * `soft`: the write only appended new messages of today, so while a page it changes is rendered
 * again, the render before may answer concurrent requests (docs/page-cache.md, "Soft changes").
 */
export async function appendInvalidation(sql: Sql, tags: readonly string[], soft = false): Promise<void> {
  if (tags.length === 0) return;
  await sql.$executeRaw`WITH ${Prisma.join(invalidationParts(tags, soft))} SELECT 1`;
}

/**
 * The entry appendInvalidation writes, as the parts (CTEs) of a statement, for a write that logs
 * its own changes in the last statement of its transaction (lib/timeline/page-changes.ts).
 */
export function invalidationParts(tags: readonly string[], soft: boolean): Prisma.Sql[] {
  return [
    Prisma.sql`page_epoch AS (UPDATE page_cache_epoch SET seq = seq + 1 WHERE id = 1 RETURNING seq)`,
    Prisma.sql`page_gone AS (DELETE FROM page_cache_pages WHERE tags && ${[...tags]}::text[])`,
    Prisma.sql`page_log AS (INSERT INTO page_cache_invalidations (seq, tags, soft) SELECT seq, ${[...tags]}::text[], ${soft} FROM page_epoch)`,
  ];
}

/** The last sequence number handed out (committed). */
export async function currentEpoch(sql: Sql): Promise<bigint> {
  const rows = await sql.$queryRaw<{ seq: bigint }[]>`SELECT seq FROM page_cache_epoch WHERE id = 1`;
  return rows[0]?.seq ?? 0n;
}

/** Log entries after `seq`, in order, at most `limit`. */
export async function invalidationsAfter(sql: Sql, seq: bigint, limit: number): Promise<Array<{ seq: bigint; tags: string[]; soft: boolean }>> {
  return sql.$queryRaw<{ seq: bigint; tags: string[]; soft: boolean }[]>`
    SELECT seq, tags, soft FROM page_cache_invalidations WHERE seq > ${seq}::bigint ORDER BY seq LIMIT ${limit}`;
}

/** Drops log entries older than `maxAgeMs`; a process that has not read them since clears its whole cache. */
export async function pruneInvalidations(sql: Sql, maxAgeMs: number): Promise<number> {
  return sql.$executeRaw`DELETE FROM page_cache_invalidations WHERE created_at < now() - make_interval(secs => ${maxAgeMs / 1000})`;
}
