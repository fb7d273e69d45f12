import { describe, expect, it } from "vitest";
import { cssString, faceRules, initialOf } from "./faces";

describe("faces", () => {
  it("escapes everything but letters, digits and spaces in a CSS string", () => {
    expect(cssString("A b")).toBe('"A b"');
    expect(cssString('"}</style><script>')).toBe('"\\22 \\7d \\3c \\2f style\\3e \\3c script\\3e "');
    expect(cssString("/media/hs.test/x?thumbnail=32x32")).toBe('"\\2f media\\2f hs\\2e test\\2f x\\3f thumbnail\\3d 32x32"');
    expect(cssString("😀")).toBe('"\\1f600 "');
  });

  it("takes the first letter of a name, or of a user ID's localpart", () => {
    expect(initialOf("alice")).toBe("A");
    expect(initialOf("@bob:hs.test")).toBe("B");
    expect(initialOf("  ")).toBe("?");
    expect(initialOf("😀 Sam")).toBe("😀");
  });

  it("gives each face its initial, and an image when it has an avatar; a hostile name stays inside its string", () => {
    const css = faceRules([
      { className: "u0", name: "Alice", avatar: "/media/hs.test/a?thumbnail=32x32" },
      { className: "u1", name: '"}body{display:none', avatar: null },
    ]);
    expect(css).toBe(
      '.u0::before{content:"A" / ""}.u0::after{background-image:url("\\2f media\\2f hs\\2e test\\2f a\\3f thumbnail\\3d 32x32")}.u1::before{content:"\\22 " / ""}',
    );
    expect(css).not.toMatch(/</);
    expect(() => faceRules([{ className: "x}", name: "a", avatar: null }])).toThrow();
  });
});
