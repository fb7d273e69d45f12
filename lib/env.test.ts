import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV_VARIABLES, EnvError, parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("gives working defaults for the embedded set-up", () => {
    const env = parseEnv({});
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.signingKeyPath).toBe(".data/signing.key");
    expect(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES).toEqual([]);
    expect(env.DAY_FILL_ON_VIEW).toBe(true);
  });

  it("reads booleans strictly", () => {
    expect(parseEnv({ DAY_FILL_ON_VIEW: "false" }).DAY_FILL_ON_VIEW).toBe(false);
    expect(() => parseEnv({ DAY_FILL_ON_VIEW: "no" })).toThrow(/DAY_FILL_ON_VIEW: must be true or false/);
  });

  it("reads bounded whole numbers, with a default, and refuses others", () => {
    expect(parseEnv({}).FEDERATION_MAX_CONNECTIONS_PER_SERVER).toBe(4);
    expect(parseEnv({ FEDERATION_MAX_CONNECTIONS_PER_SERVER: "8" }).FEDERATION_MAX_CONNECTIONS_PER_SERVER).toBe(8);
    for (const bad of ["0", "65", "2.5", "many"]) {
      expect(() => parseEnv({ FEDERATION_MAX_CONNECTIONS_PER_SERVER: bad })).toThrow(
        /FEDERATION_MAX_CONNECTIONS_PER_SERVER: must be a whole number from 1 to 64/,
      );
    }
  });

  it("splits comma lists and trims them", () => {
    const env = parseEnv({ DIRECTORY_SERVERS: " matrix.org, example.com ,", FEDERATION_ALLOW_PRIVATE_ADDRESSES: "loopback" });
    expect(env.DIRECTORY_SERVERS).toEqual(["matrix.org", "example.com"]);
    expect(env.FEDERATION_ALLOW_PRIVATE_ADDRESSES).toEqual(["loopback"]);
  });

  it("names every bad variable and says what is expected", () => {
    let error: unknown;
    try {
      parseEnv({ DATABASE_URL: "mysql://x", ARCHIVE_SERVER_NAME: "not a name", LOG_LEVEL: "loud" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    expect(message).toContain("DATABASE_URL: must be a postgres:// or postgresql:// URL");
    expect(message).toContain("ARCHIVE_SERVER_NAME: must be a Matrix server name");
    expect(message).toContain("LOG_LEVEL");
  });

  it("accepts server names with ports and IPv6 literals", () => {
    expect(parseEnv({ ARCHIVE_SERVER_NAME: "localhost:8448" }).ARCHIVE_SERVER_NAME).toBe("localhost:8448");
    expect(parseEnv({ ARCHIVE_SERVER_NAME: "[::1]:8448" }).ARCHIVE_SERVER_NAME).toBe("[::1]:8448");
  });
});

describe(".env.example", () => {
  it("documents every variable lib/env.ts reads, and no other", () => {
    const documented = [...readFileSync(".env.example", "utf8").matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
    expect(documented).toEqual(ENV_VARIABLES);
  });
});
