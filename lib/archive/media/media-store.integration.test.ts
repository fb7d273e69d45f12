import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cachePaths, getMedia } from "@/lib/archive/media/media-store";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

describe("the media proxy's cache", () => {
  it("serves a cached file only while a stored event of a servable room names it", async () => {
    const key = { serverName: "hs.example", mediaId: `m-${randomBytes(6).toString("hex")}` };
    const files = cachePaths(key);
    await mkdir(path.dirname(files.data), { recursive: true });
    await writeFile(files.data, "cached bytes");
    await writeFile(files.meta, JSON.stringify({ contentType: "image/png", inline: true }));
    try {
      // On disk, but no archived message uses it (say its room was purged): not served.
      await expect(getMedia(db.prisma, key)).rejects.toMatchObject({ status: 404 });

      const roomId = `!media-${key.mediaId}:hs.example`;
      await db.prisma.room.create({ data: { roomId, roomVersion: "11", historyVisibility: "world_readable" } });
      await db.prisma.event.create({
        data: {
          eventId: `$img-${key.mediaId}`,
          roomId,
          type: "m.room.message",
          sender: "@a:hs.example",
          originServerTs: 1n,
          depth: 1n,
          prevEvents: [],
          authEvents: [],
          pdu: JSON.stringify({ content: { msgtype: "m.image", url: `mxc://${key.serverName}/${key.mediaId}` } }),
          source: "send",
        },
      });
      expect((await getMedia(db.prisma, key)).body.toString()).toBe("cached bytes");
    } finally {
      await rm(files.data, { force: true });
      await rm(files.meta, { force: true });
    }
  });
});
