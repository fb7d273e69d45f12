import { afterAll, beforeAll } from "vitest";
import { openJobQueue, type JobQueue } from "@/lib/jobs/queue";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

/**
 * A fresh database and the job queue on it for one test file, opened before its tests and closed
 * after them. Read `db` and `queue` inside tests (they are set by then).
 */
export function openTestQueue(options: { supervise?: boolean } = {}): { readonly db: TestDatabase; readonly queue: JobQueue } {
  let db: TestDatabase | undefined;
  let queue: JobQueue | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    queue = await openJobQueue(db, { supervise: options.supervise ?? false });
  });
  afterAll(async () => {
    await queue?.stop();
    await db?.close();
  });
  return {
    get db() {
      if (!db) throw new Error("the test database is opened in beforeAll");
      return db;
    },
    get queue() {
      if (!queue) throw new Error("the job queue is opened in beforeAll");
      return queue;
    },
  };
}
