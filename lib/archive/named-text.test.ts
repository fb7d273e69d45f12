import { describe, expect, it } from "vitest";
import { namedParts, userIdsIn } from "@/lib/archive/named-text";

const names = new Map([
  ["@bob:localhost:8448", "Bob"],
  ["@carol:example.org", "Carol"],
]);

describe("user IDs in stored sentences, shown by display name", () => {
  it("replaces each user ID by its name and keeps the ID, at any place in the sentence", () => {
    expect(
      namedParts("Overruled by state resolution: @bob:localhost:8448's kick of @carol:example.org; @carol:example.org's membership is join.", names),
    ).toEqual([
      { text: "Overruled by state resolution: " },
      { text: "Bob", userId: "@bob:localhost:8448" },
      { text: "'s kick of " },
      { text: "Carol", userId: "@carol:example.org" },
      { text: "; " },
      { text: "Carol", userId: "@carol:example.org" },
      { text: "'s membership is join." },
    ]);
  });

  it("leaves a user without a known name as their ID, and a sentence's full stop outside it", () => {
    expect(namedParts("renamed by @dave:[::1]:8448.", names)).toEqual([
      { text: "renamed by " },
      { text: "@dave:[::1]:8448", userId: "@dave:[::1]:8448" },
      { text: "." },
    ]);
    expect(namedParts("by @erin:example.org.", names)).toEqual([{ text: "by " }, { text: "@erin:example.org", userId: "@erin:example.org" }, { text: "." }]);
  });

  it("finds nothing in text without user IDs, an e-mail address or a bare @", () => {
    expect(namedParts("the room's name is “@ home”", names)).toEqual([{ text: "the room's name is “@ home”" }]);
    expect(userIdsIn("mail bob@example.org or @ nobody")).toEqual([]);
    expect(userIdsIn("@bob:localhost:8448 and @bob:localhost:8448")).toEqual(["@bob:localhost:8448"]);
    expect(namedParts("", names)).toEqual([]);
  });
});
