import { describe, expect, it } from "vitest";

import { isValidQualifiedId, isValidServerName, serverNameOf, utf8Length } from "@/lib/matrix/identifiers";

describe("server names and IDs", () => {
  it.each(["example.org", "localhost:8448", "1.2.3.4", "1.2.3.4:80", "[::1]", "[::1]:8448", "[1234:5678::abcd]:443", "a-b.c"])("accepts %s", (name) =>
    expect(isValidServerName(name)).toBe(true),
  );

  it.each(["", "exa mple.org", "example.org:99999", "example.org:", "ex_ample.org", "[::1", "host:port"])("rejects %j", (name) =>
    expect(isValidServerName(name)).toBe(false),
  );

  it("gives the same answers when asked again (they are remembered), also past the memory's limit", () => {
    const names = [
      "example.org",
      "example.org:99999",
      "[::1]:8448",
      "host:port",
      ...Array.from({ length: 5000 }, (_, i) => (i % 2 ? `h${i}.example` : `h ${i}`)),
    ];
    const first = names.map(isValidServerName);
    expect(names.map(isValidServerName)).toEqual(first);
    expect(first.slice(0, 4)).toEqual([true, false, true, false]);
    expect(first.slice(4).filter(Boolean)).toHaveLength(2500);
  });

  it("takes the server part after the first colon", () => {
    expect(serverNameOf("@alice:localhost:43157")).toBe("localhost:43157");
    expect(serverNameOf("$ev:[::1]:8448")).toBe("[::1]:8448");
    expect(serverNameOf("@alice")).toBeUndefined();
    expect(serverNameOf(":example.org")).toBeUndefined();
  });

  it("checks sigil and the 255-byte limit", () => {
    expect(isValidQualifiedId("@a:example.org", "@")).toBe(true);
    expect(isValidQualifiedId("@a:example.org", "!")).toBe(false);
    expect(isValidQualifiedId(`@${"é".repeat(121)}:example.org`, "@")).toBe(true);
    expect(isValidQualifiedId(`@${"é".repeat(122)}:example.org`, "@")).toBe(false);
  });
});

describe("utf8Length", () => {
  it("counts UTF-8 bytes, a lone surrogate as the three of U+FFFD", () => {
    expect(["a", "é", "€", "😀", "\ud800", ""].map(utf8Length)).toEqual([1, 2, 3, 4, 3, 0]);
  });
});
