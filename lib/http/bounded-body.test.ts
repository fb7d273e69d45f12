import { describe, expect, it } from "vitest";
import { readBoundedBody, readBoundedText } from "@/lib/http/bounded-body";

/** A POST whose body streams `chunks` and records how many of them were pulled. */
function streaming(chunks: number, chunkBytes: number, headers: Record<string, string> = {}) {
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= chunks) return controller.close();
      pulled++;
      controller.enqueue(new Uint8Array(chunkBytes).fill(0x61));
    },
  });
  const request = new Request("http://archive.test/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);
  return { request, pulled: () => pulled };
}

describe("bounded request bodies", () => {
  it("reads a body within the limit whole", async () => {
    expect(await readBoundedText(new Request("http://archive.test/x", { method: "POST", body: "héllo" }), 64)).toBe("héllo");
    expect(await readBoundedBody(new Request("http://archive.test/x"), 64)).toEqual(new Uint8Array(0));
  });

  it("refuses a declared length over the limit without reading a byte", async () => {
    const { request } = streaming(10, 1024, { "content-length": String(10 * 1024) });
    expect(await readBoundedBody(request, 4096)).toBeNull();
    expect(request.bodyUsed).toBe(false);
  });

  it("stops a stream at the first chunk past the limit", async () => {
    const { request, pulled } = streaming(1_000, 1024);
    expect(await readBoundedText(request, 4096)).toBeNull();
    expect(pulled()).toBeLessThanOrEqual(6);
  });
});
