import { describe, expect, it } from "vitest";
import { etagOf, httpDate, isNotModified } from "@/lib/front/conditional";

describe("etagOf", () => {
  it("is a strong validator that changes with the body", () => {
    const tag = etagOf("<html>one</html>");
    expect(tag).toMatch(/^"[0-9a-z]+"$/);
    expect(etagOf("<html>one</html>")).toBe(tag);
    expect(etagOf("<html>two</html>")).not.toBe(tag);
  });
});

describe("isNotModified", () => {
  const etag = etagOf("page");
  const modified = Date.parse("2026-11-28T10:00:00.750Z");

  it("matches If-None-Match against the ETag, in a list, weakly or as *", () => {
    expect(isNotModified({ "if-none-match": etag }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-none-match": `"other", ${etag}` }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-none-match": `W/${etag}` }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-none-match": "*" }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-none-match": `"other"` }, etag, modified)).toBe(false);
    expect(isNotModified({}, etag, modified)).toBe(false);
  });

  it("uses If-Modified-Since only without If-None-Match, to the second", () => {
    expect(isNotModified({ "if-modified-since": httpDate(modified) }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-modified-since": httpDate(modified + 3_600_000) }, etag, modified)).toBe(true);
    expect(isNotModified({ "if-modified-since": httpDate(modified - 1_000) }, etag, modified)).toBe(false);
    expect(isNotModified({ "if-modified-since": "not a date" }, etag, modified)).toBe(false);
    // A changed page (another ETag) is sent even when the date would say unchanged.
    expect(isNotModified({ "if-none-match": `"other"`, "if-modified-since": httpDate(modified) }, etag, modified)).toBe(false);
  });
});
