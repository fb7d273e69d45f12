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
});
