import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getMedia, mediaStream, mediaSurrogateKeys, releaseMedia } from "@/lib/archive/media/media-store";
import { leaveAfterPurge, purgeRoomInTx } from "@/lib/federation/purge-room";
import { getMediaCache } from "@/lib/media-cache/shared";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { insertEvents, withRoomLock } from "@/lib/timeline";
import { makeEvent, testRedact } from "@/lib/timeline/testing/events";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
// The cache is the process's own, under DATA_DIR: what a test put there goes afterwards.
const seeded: Array<{ serverName: string; mediaId: string }> = [];
afterAll(async () => {
  await getMediaCache().remove(seeded);
  await db?.close();
});

const meta = { contentType: "image/png", inline: true };
const bodyOf = (stream: ReadableStream<Uint8Array>) => new Response(stream).text();
const unique = () => randomBytes(6).toString("hex");

async function servableRoom(alias: string | null = null): Promise<string> {
  const roomId = `!media-${unique()}:hs.example`;
  await db.prisma.room.create({
    data: { roomId, roomVersion: "11", historyVisibility: "world_readable", status: "joined", canonicalAlias: alias, servers: ["hs.example"] },
  });
  return roomId;
}

/** An image message stored through the write path (which records the media it names). */
async function postImage(roomId: string, mxc: { serverName: string; mediaId: string }, depth = 1): Promise<string> {
  const eventId = `$img-${unique()}`;
  const e = makeEvent(roomId, { id: eventId, depth });
  const content = { msgtype: "m.image", body: "cat.png", url: `mxc://${mxc.serverName}/${mxc.mediaId}` };
  await insertEvents(db.prisma, {
    roomId,
    arrival: { kind: "live" },
    redact: testRedact,
    events: [{ ...e, pdu: JSON.stringify({ event_id: eventId, type: "m.room.message", content }) }],
  });
  return eventId;
}

async function seed(mxc: { serverName: string; mediaId: string }, body: string): Promise<void> {
  seeded.push(mxc);
  await (await getMediaCache().put(mxc, "full", meta, Buffer.from(body)))?.handle.close();
  await (await getMediaCache().put(mxc, "thumb-320x240-scale", meta, Buffer.from(`thumb of ${body}`)))?.handle.close();
}

const onDisk = async (mxc: { serverName: string; mediaId: string }) => {
  const hit = await getMediaCache().get(mxc, "full");
  await hit?.cached?.handle.close();
  return hit !== undefined;
};

describe("the media proxy's store", () => {
  it("serves a cached file, streamed from disk, only while a shown event of a servable room names it", async () => {
    const mxc = { serverName: "hs.example", mediaId: `m-${unique()}` };
    await seed(mxc, "cached bytes");
    // On disk, but no archived message uses it: not served, and the files go.
    await expect(getMedia(db.prisma, mxc)).rejects.toMatchObject({ status: 404 });
    expect(await onDisk(mxc)).toBe(false);

    await seed(mxc, "cached bytes");
    const roomId = await servableRoom("#cats:hs.example");
    await postImage(roomId, mxc);
    const full = await getMedia(db.prisma, mxc);
    expect(full).toMatchObject({ contentType: "image/png", size: 12, source: { kind: "file" } });
    expect(await bodyOf(mediaStream(full, { start: 7, end: 11 }))).toBe("bytes");
    expect(mediaSurrogateKeys(full.rooms)).toEqual([`room/roomid/${encodeURIComponent(roomId.slice(1))}`, "room/r/cats%3Ahs.example"]);
    const thumb = await getMedia(db.prisma, { ...mxc, thumbnail: { width: 320, height: 240, method: "scale" } });
    expect(await bodyOf(mediaStream(thumb))).toBe("thumb of cached bytes");
    expect(thumb.etag).not.toBe(full.etag);

    // A room that stops being servable stops serving it at once, even with the file on disk.
    await db.prisma.room.update({ where: { roomId }, data: { historyVisibility: "shared" } });
    await expect(getMedia(db.prisma, mxc)).rejects.toMatchObject({ status: 404 });
  });

  it("asks the reader's admission only for a file it must fetch, and a refusal fetches nothing", async () => {
    const roomId = await servableRoom();
    // The media's server is an address nothing listens on: a fetch that ran would fail as
    // M_FEDERATION_UNAVAILABLE, not M_LIMIT_EXCEEDED.
    const missing = { serverName: "127.0.0.1:9", mediaId: `m-${unique()}` };
    await postImage(roomId, missing);
    let asked = 0;
    const refuse = async () => {
      asked++;
      return { reason: "client" as const, retryAfterSeconds: 42 };
    };
    await expect(getMedia(db.prisma, missing, refuse)).rejects.toMatchObject({ code: "M_LIMIT_EXCEEDED", status: 429, retryAfterSeconds: 42 });
    await expect(getMedia(db.prisma, { ...missing, thumbnail: { width: 96, height: 96, method: "crop" } }, refuse)).rejects.toMatchObject({
      code: "M_LIMIT_EXCEEDED",
    });
    expect(asked).toBe(2);

    const cached = { serverName: "hs.example", mediaId: `m-${unique()}` };
    await seed(cached, "cached bytes");
    await postImage(roomId, cached);
    const served = await getMedia(db.prisma, cached, refuse);
    expect(served.size).toBe(12);
    await releaseMedia(served);
    expect(asked).toBe(2);

    // Admitted, the slot is handed back however the fetch ends.
    let released = 0;
    const admit = async () => ({ release: () => void released++ });
    await expect(getMedia(db.prisma, missing, admit)).rejects.toMatchObject({ code: "M_FEDERATION_UNAVAILABLE" });
    expect(released).toBe(1);
  });

  it("deletes a purged room's media from disk, unless another kept room shows it", async () => {
    const own = { serverName: "hs.example", mediaId: `own-${unique()}` };
    const shared = { serverName: "hs.example", mediaId: `shared-${unique()}` };
    const purged = await servableRoom();
    const kept = await servableRoom();
    await postImage(purged, own, 1);
    await postImage(purged, shared, 2);
    await postImage(kept, shared, 1);
    await seed(own, "own");
    await seed(shared, "shared");

    const change = { historyVisibility: "joined", eventId: "$hv", sender: "@mod:hs.example", originServerTs: 1 };
    const deleted = await withRoomLock(db.prisma, purged, (tx) => purgeRoomInTx(tx, purged, change));
    expect(deleted?.media).toEqual([own]);
    const leave = async () => ({ left: true as const, server: "hs.example", eventId: "$leave", attempts: 1 });
    const room = { roomId: purged, roomVersion: "11", servers: ["hs.example"] };
    await leaveAfterPurge(db.prisma, room, change, deleted!, { leave, waitForLeave: true, sweepDelaysMs: [] });

    expect(await onDisk(own)).toBe(false);
    expect(await getMediaCache().get(own, "thumb-320x240-scale")).toBeUndefined();
    expect(await onDisk(shared)).toBe(true);
    expect(await bodyOf(mediaStream(await getMedia(db.prisma, shared)))).toBe("shared");
  });
});
