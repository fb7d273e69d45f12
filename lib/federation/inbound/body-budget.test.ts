import { describe, expect, it } from "vitest";
import { bodyBytesReserved, withBodyBudget } from "@/lib/federation/inbound/body-budget";
import { InboundError } from "@/lib/federation/inbound/http";

// Bodies being read at once share one budget: a read that does not fit is refused before it starts.
describe("withBodyBudget", () => {
  const MiB = 1024 * 1024;
  const put = (length?: number) =>
    new Request("https://archive.test/", { method: "PUT", headers: length === undefined ? {} : { "content-length": String(length) } });

  it("refuses a read that does not fit beside those under way with 429, and frees the budget after", async () => {
    let release!: () => void;
    const first = withBodyBudget(put(), 4 * MiB, () => new Promise<void>((r) => (release = r)), 6 * MiB);
    expect(bodyBytesReserved()).toBe(4 * MiB);
    const refused = await withBodyBudget(put(), 4 * MiB, async () => "read", 6 * MiB).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InboundError);
    expect((refused as InboundError).status).toBe(429);
    expect((refused as InboundError).extra?.retry_after_ms).toBe(1000);
    // A small declared body still fits.
    await expect(withBodyBudget(put(1000), 4 * MiB, async () => "small", 6 * MiB)).resolves.toBe("small");
    release();
    await first;
    expect(bodyBytesReserved()).toBe(0);
    await expect(withBodyBudget(put(), 4 * MiB, async () => "read", 6 * MiB)).resolves.toBe("read");
  });

  it("releases the budget when the read fails", async () => {
    await expect(withBodyBudget(put(), MiB, async () => Promise.reject(new Error("bad")), 2 * MiB)).rejects.toThrow("bad");
    expect(bodyBytesReserved()).toBe(0);
  });
});
