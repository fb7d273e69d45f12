import { describe, expect, it } from "vitest";
import { linkify } from "@/lib/render/linkify";

describe("linkify", () => {
  it("links http(s) URLs and leaves trailing punctuation as text", () => {
    expect(linkify("see https://example.org/a?b=1, then http://x.test.")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.org/a?b=1", href: "https://example.org/a?b=1" },
      { kind: "text", text: ", then " },
      { kind: "link", text: "http://x.test", href: "http://x.test/" },
      { kind: "text", text: "." },
    ]);
  });

  it("keeps a balanced closing bracket and drops an unbalanced one", () => {
    expect(linkify("(https://en.wikipedia.org/wiki/Foo_(bar))")).toEqual([
      { kind: "text", text: "(" },
      { kind: "link", text: "https://en.wikipedia.org/wiki/Foo_(bar)", href: "https://en.wikipedia.org/wiki/Foo_(bar)" },
      { kind: "text", text: ")" },
    ]);
  });

  it("never links other schemes", () => {
    expect(linkify("javascript:alert(1) data:text/html,x ftp://a.test")).toEqual([{ kind: "text", text: "javascript:alert(1) data:text/html,x ftp://a.test" }]);
  });
});
