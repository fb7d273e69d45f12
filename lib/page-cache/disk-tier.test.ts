import { describe, expect, it } from "vitest";
import { decodePage, encodePage } from "@/lib/page-cache/disk-tier";
import type { CachedPage } from "@/lib/page-cache/store";

describe("encodePage / decodePage", () => {
  it("give back every part of a rendered page, fields Next.js may add included", () => {
    const page = {
      kind: "APP_PAGE",
      html: "<p>héllo ✓</p>",
      rscData: Buffer.from([1, 2, 3, 250]),
      segmentData: new Map([
        ["/_tree", Buffer.from("tree")],
        ["/page", Buffer.alloc(0)],
      ]),
      status: 200,
      headers: { "x-next-cache-tags": "r:a,d:a:1", vary: ["rsc"] },
      postponed: undefined,
      somethingNew: { a: 1 },
    } as unknown as CachedPage;
    const back = decodePage(encodePage(page));
    expect(back).toEqual({ ...page, postponed: undefined });
    expect(Buffer.from(back!.rscData!).equals(Buffer.from([1, 2, 3, 250]))).toBe(true);
    expect(decodePage(encodePage({ kind: "APP_PAGE", html: "" }))).toEqual({ kind: "APP_PAGE", html: "" });
  });

  it("refuse bytes that are not a whole page of this format", () => {
    const bytes = encodePage({ kind: "APP_PAGE", html: "<p>x</p>", rscData: Buffer.from("rsc") });
    expect(decodePage(bytes.subarray(0, bytes.byteLength - 1))).toBeUndefined();
    expect(decodePage(Buffer.concat([bytes, Buffer.from("x")]))).toBeUndefined();
    expect(decodePage(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d]))).toBeUndefined();
    expect(decodePage(Buffer.from([0, 0, 0, 9]))).toBeUndefined();
    expect(decodePage(Buffer.alloc(0))).toBeUndefined();
    const head = Buffer.from(JSON.stringify({ v: 1, rest: {}, html: -1, rsc: null, segments: [] }));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(head.byteLength);
    expect(decodePage(Buffer.concat([size, head]))).toBeUndefined();
  });
});
