import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationError } from "@/lib/migrate";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

async function migrationsDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "migrations-"));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

describe("migrate", () => {
  it("records applied migrations in Prisma's table and refuses an edited one", async () => {
    const dir = await migrationsDir({ "20990101000000_extra": `CREATE TABLE "extra" ("id" INTEGER NOT NULL)` });
    expect(await db.migrate(dir)).toEqual(["20990101000000_extra"]);
    const rows = await db.prisma.$queryRawUnsafe<{ migration_name: string; applied_steps_count: number }[]>(
      `SELECT migration_name, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toContain("20261129000000_init");
    expect(rows.find((r) => r.migration_name === "20990101000000_extra")?.applied_steps_count).toBe(1);
    await writeFile(path.join(dir, "20990101000000_extra", "migration.sql"), `CREATE TABLE "extra" ("id" BIGINT NOT NULL)`);
    await expect(db.migrate(dir)).rejects.toThrow(MigrationError);
    await expect(db.migrate(dir)).rejects.toThrow(/was changed after it was applied/);
  });

  it("rolls back a failing migration and records nothing for it", async () => {
    const dir = await migrationsDir({ "20990102000000_broken": `CREATE TABLE "half" ("id" INTEGER); SELECT no_such_function();` });
    await expect(db.migrate(dir)).rejects.toThrow(/20990102000000_broken failed/);
    const tables = await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half'`);
    expect(Number(tables[0]!.n)).toBe(0);
  });
});
