import { describe, expect, it } from "vitest";
import { ArchiveError, jsonError, tooManyRequestsJson } from "@/lib/archive/errors";

describe("the archive's error shape", () => {
  it("answers { errcode, error } with the code's status, plus extra fields and headers", async () => {
    const res = jsonError("M_FEDERATION_UNAVAILABLE", "no server answered", { extra: { filled: 0 }, headers: { "cache-control": "no-store" } });
    expect(res.status).toBe(502);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ errcode: "M_FEDERATION_UNAVAILABLE", error: "no server answered", filled: 0 });
  });

  it("gives every code its fixed status", () => {
    const statuses = (["M_INVALID_PARAM", "M_FORBIDDEN", "M_NOT_FOUND", "M_TOO_LARGE", "M_LIMIT_EXCEEDED", "M_FEDERATION_UNAVAILABLE"] as const).map(
      (c) => new ArchiveError(c, "x").status,
    );
    expect(statuses).toEqual([400, 403, 404, 413, 429, 502]);
  });

  it("answers a 429 with the wait in retry_after_ms and Retry-After, never cached", async () => {
    const res = tooManyRequestsJson("too many fills; try again later", 7);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ errcode: "M_LIMIT_EXCEEDED", error: "too many fills; try again later", retry_after_ms: 7000 });
  });
});
