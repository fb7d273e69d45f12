import { describe, expect, it } from "vitest";
import { databaseOptions } from "@/lib/db";
import { MAX_NAMED_STATEMENTS, mayName, statementNamer } from "@/lib/db-statements";
import { parseEnv } from "@/lib/env";

const q = (sql: string) => ({ sql });

describe("statementNamer", () => {
  it("gives a text the same name every time, and different texts different names", () => {
    const name = statementNamer();
    const a = name(q("SELECT 1 WHERE $1::int = 1"));
    const b = name(q("SELECT 2 WHERE $1::int = 2"));
    expect(a).not.toBe("");
    expect(b).not.toBe(a);
    expect(name(q("SELECT 1 WHERE $1::int = 1"))).toBe(a);
    expect(name(q("SELECT 2 WHERE $1::int = 2"))).toBe(b);
    // Names must fit Postgres's identifiers (63 bytes), whatever the text's length.
    expect(name(q(`SELECT ${"x, ".repeat(10_000)}1`)).length).toBeLessThan(64);
  });

  it("names at most the cap's number of texts; later texts run unnamed, the named ones keep their names", () => {
    const name = statementNamer(3);
    const first = ["SELECT 1", "SELECT 2", "SELECT 3"].map((sql) => name(q(sql)));
    expect(new Set(first).size).toBe(3);
    expect(name(q("SELECT 4"))).toBe("");
    expect(name(q("SELECT 5"))).toBe("");
    expect(["SELECT 1", "SELECT 2", "SELECT 3"].map((sql) => name(q(sql)))).toEqual(first);
  });

  it("caps a process at MAX_NAMED_STATEMENTS texts by default", () => {
    const name = statementNamer();
    const names = new Set<string>();
    for (let i = 0; i < MAX_NAMED_STATEMENTS + 50; i++) names.add(name(q(`SELECT ${i}`)));
    names.delete("");
    expect(names.size).toBe(MAX_NAMED_STATEMENTS);
  });

  it("leaves a text whose generic plan would not use an optional bound unnamed", () => {
    const optional = "SELECT id FROM timeline_items WHERE room_id = $1 AND ($2::bigint IS NULL OR position > $2::bigint)";
    expect(mayName(optional)).toBe(false);
    expect(mayName("SELECT id FROM t WHERE ($1 IS NULL OR a = $1)")).toBe(false);
    expect(mayName("SELECT id FROM timeline_items WHERE room_id = $1 AND position > $2::bigint")).toBe(true);
    expect(mayName("SELECT id FROM events WHERE redacted_by IS NULL OR redacted")).toBe(true);
    expect(statementNamer()(q(optional))).toBe("");
  });

  it("leaves a text that may hold several commands unnamed: only the simple protocol runs a script", () => {
    expect(mayName("CREATE TABLE a (n int); INSERT INTO a VALUES (1)")).toBe(false);
    expect(mayName("SELECT 1;")).toBe(true);
    expect(mayName("SELECT 1;\n")).toBe(true);
  });
});

describe("DATABASE_PREPARED_STATEMENTS", () => {
  const url = "postgresql://archive@db/archive";

  it("is on by default and can be turned off; openDatabase is asked accordingly", () => {
    expect(parseEnv({}).DATABASE_PREPARED_STATEMENTS).toBe(true);
    expect(databaseOptions(parseEnv({ DATABASE_URL: url }))).toMatchObject({ url, preparedStatements: true });
    expect(databaseOptions(parseEnv({ DATABASE_URL: url, DATABASE_PREPARED_STATEMENTS: "false" }))).toMatchObject({ url, preparedStatements: false });
    expect(() => parseEnv({ DATABASE_PREPARED_STATEMENTS: "off" })).toThrow(/DATABASE_PREPARED_STATEMENTS: must be true or false/);
  });
});
