import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "@/lib/db";

export type TestDatabaseKind = "postgres" | "pglite";

export interface TestDatabase extends Database {
  kind: TestDatabaseKind;
  /** The database's own URL on the Postgres server, for a server process to open it too. */
  url?: string;
}

/** The Postgres server integration tests use; override with TEST_POSTGRES_URL. */
export const TEST_POSTGRES_URL =
  // eslint-disable-next-line no-restricted-properties -- test-only setting, outside the app's env
  process.env.TEST_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

function testDatabaseKind(): TestDatabaseKind {
  // eslint-disable-next-line no-restricted-properties -- test-only setting, outside the app's env
  const kind = process.env.TEST_DATABASE ?? "pglite";
  if (kind !== "postgres" && kind !== "pglite") throw new Error(`TEST_DATABASE must be postgres or pglite, not ${kind}`);
  return kind;
}

/**
 * A fresh, migrated database for one test file: a new database on the Postgres server
 * (dropped on close), or an in-memory PGlite.
 */
/** A test database on the Postgres server, which a server process can open by its URL. */
export type PostgresTestDatabase = TestDatabase & { url: string };

export async function createTestDatabase(kind: "postgres"): Promise<PostgresTestDatabase>;
export async function createTestDatabase(kind?: TestDatabaseKind): Promise<TestDatabase>;
export async function createTestDatabase(kind = testDatabaseKind()): Promise<TestDatabase> {
  if (kind === "pglite") {
    const db = openDatabase({ dataDir: "memory://" });
    await db.migrate();
    return { ...db, kind };
  }
  const name = `archive_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Integration tests need a Postgres server at ${TEST_POSTGRES_URL} (set TEST_POSTGRES_URL, or start one: see README "Tests"): ${(err as Error).message}`,
    );
  }
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const db = openDatabase({ url: url.toString() });
  await db.migrate();
  return {
    ...db,
    kind,
    url: url.toString(),
    async close() {
      await db.close();
      const dropper = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}
