import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "@/lib/db";

// Embedded PGlite in a folder, as the archive opens it: a new folder is created (in a child
// process, whose memory goes when it exits), reopened as it is, with the configured buffers.
const folder = mkdtempSync(path.join(os.tmpdir(), "db-pglite-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe("embedded PGlite in a folder", () => {
  it("creates a new folder, keeps what was written across a reopen, and applies shared_buffers", async () => {
    const dataDir = path.join(folder, "pglite");
    const first = openDatabase({ dataDir, pgliteSharedBuffersMb: 8 });
    expect(existsSync(path.join(dataDir, "PG_VERSION"))).toBe(true);
    await first.prisma.$executeRawUnsafe("CREATE TABLE kept (n int)");
    await first.prisma.$executeRawUnsafe("INSERT INTO kept VALUES (42)");
    expect(await first.prisma.$queryRawUnsafe("SHOW shared_buffers")).toEqual([{ shared_buffers: "8MB" }]);
    await first.close();

    const again = openDatabase({ dataDir, pgliteSharedBuffersMb: 24 });
    expect(await again.prisma.$queryRawUnsafe("SELECT n FROM kept")).toEqual([{ n: 42 }]);
    expect(await again.prisma.$queryRawUnsafe("SHOW shared_buffers")).toEqual([{ shared_buffers: "24MB" }]);
    await again.close();
  }, 120_000);

  it("counts writes as each finishes, a transaction once it has committed, and reads not at all", async () => {
    const db = openDatabase({ dataDir: "memory://" });
    try {
      const writes = db.localWrites!;
      await db.prisma.$executeRawUnsafe("CREATE TABLE counted (n int)");
      const before = writes();
      await db.prisma.$queryRawUnsafe("SELECT n FROM counted");
      expect(writes()).toBe(before);
      let during = -1;
      await db.prisma.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("INSERT INTO counted VALUES (1)");
        during = writes();
      });
      // Counted by the time the caller goes on, not before the commit.
      expect(during).toBe(before);
      expect(writes()).toBeGreaterThan(before);
      const afterTx = writes();
      await db.prisma.$executeRawUnsafe("UPDATE counted SET n = 2");
      expect(writes()).toBeGreaterThan(afterTx);
      const afterUpdate = writes();
      await expect(db.prisma.$executeRawUnsafe("INSERT INTO missing VALUES (1)")).rejects.toThrow();
      expect(writes()).toBeGreaterThan(afterUpdate);
    } finally {
      await db.close();
    }
  }, 60_000);

  it("has no such count on a Postgres server, which other processes write to", () => {
    expect(openDatabase({ url: "postgresql://nobody@127.0.0.1:1/none" }).localWrites).toBeUndefined();
  });
});
