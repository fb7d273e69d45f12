import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/lib/testing/database";
import { readDatamodel, readUnsupportedFields, type DmmfField, type DmmfModel } from "@/lib/testing/prisma-datamodel";

// The migrations are hand-written SQL (Prisma's schema engine cannot run here), so this test is
// what keeps them equal to schema.prisma: tables, columns, types, nullability, defaults,
// indexes and foreign keys of the migrated database against Prisma's reading of the schema.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => db?.close());

const datamodel = readDatamodel();
const unsupported = readUnsupportedFields();
const scalarTypes: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  Float: "double precision",
  Decimal: "numeric",
  Json: "jsonb",
  Bytes: "bytea",
  DateTime: "timestamp(3) without time zone",
};
const nativeTypes: Record<string, (args: string[]) => string> = {
  Timestamptz: (a) => `timestamp(${a[0] ?? 6}) with time zone`,
  Timestamp: (a) => `timestamp(${a[0] ?? 6}) without time zone`,
  VarChar: (a) => (a[0] ? `character varying(${a[0]})` : "character varying"),
  Uuid: () => "uuid",
  Integer: () => "integer",
  SmallInt: () => "smallint",
  Text: () => "text",
  JsonB: () => "jsonb",
};

const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
const columnOf = (f: DmmfField) => f.dbName ?? f.name;
const scalars = (m: DmmfModel) => m.fields.filter((f) => f.kind === "scalar" || f.kind === "enum");

function expectedType(f: DmmfField): string {
  const base = f.nativeType ? nativeTypes[f.nativeType[0]]?.(f.nativeType[1]) : scalarTypes[f.type];
  if (!base) throw new Error(`schema-conformance test does not know the type of ${f.name} (${f.type} ${f.nativeType})`);
  return f.isList ? `${base}[]` : base;
}

async function query<T>(sql: string): Promise<T[]> {
  return db.prisma.$queryRawUnsafe<T[]>(sql);
}

describe("the migrated database matches schema.prisma", () => {
  it("has exactly the tables of the models", async () => {
    const rows = await query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual(datamodel.models.map(tableOf).sort());
  });

  it("has exactly the columns of each model, with their types, nullability and defaults", async () => {
    const rows = await query<{ table: string; column: string; type: string; nullable: boolean; has_default: boolean }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, a.atthasdef AS has_default
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> '_prisma_migrations'`);
    const actual = rows.map((r) => `${r.table}.${r.column} ${r.type} ${r.nullable ? "NULL" : "NOT NULL"}${r.has_default ? " DEFAULT" : ""}`).sort();
    const expected = datamodel.models
      .flatMap((m) =>
        scalars(m).map((f) => {
          // Prisma creates scalar lists without NOT NULL, and @updatedAt has no database default.
          const nullable = f.isList || !f.isRequired;
          const hasDefault = f.hasDefaultValue && !f.isUpdatedAt;
          return `${tableOf(m)}.${columnOf(f)} ${expectedType(f)} ${nullable ? "NULL" : "NOT NULL"}${hasDefault ? " DEFAULT" : ""}`;
        }),
      )
      .concat(
        unsupported.map((f) => {
          const m = datamodel.models.find((x) => x.name === f.model)!;
          return `${tableOf(m)}.${f.column} ${f.type} ${f.isRequired ? "NOT NULL" : "NULL"}`;
        }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });

  it("has exactly the primary keys, unique constraints and indexes of the schema", async () => {
    const rows = await query<{ table: string; columns: string[]; is_primary: boolean; is_unique: boolean; method: string }>(`
      SELECT t.relname AS table, i.indisprimary AS is_primary, i.indisunique AS is_unique, am.amname AS method,
             array(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`);
    const actual = rows.map((r) => `${r.table}(${r.columns.join(",")}) ${r.is_primary ? "PRIMARY" : r.is_unique ? "UNIQUE" : "INDEX"} ${r.method}`).sort();
    const byName = new Map(datamodel.models.map((m) => [m.name, m]));
    const expected = datamodel.indexes
      .map((ix) => {
        const m = byName.get(ix.model)!;
        const cols = ix.fields.map((f) => {
          const field = m.fields.find((x) => x.name === f.name);
          return field ? columnOf(field) : unsupported.find((u) => u.model === m.name && u.name === f.name)!.column;
        });
        const kind = ix.type === "id" ? "PRIMARY" : ix.type === "unique" ? "UNIQUE" : "INDEX";
        return `${tableOf(m)}(${cols.join(",")}) ${kind} ${(ix.algorithm ?? "BTree").toLowerCase()}`;
      })
      .sort();
    expect(actual).toEqual(expected);
  });

  it("has exactly the foreign keys of the relations, with their delete rules", async () => {
    const rows = await query<{ table: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string }>(`
      SELECT t.relname AS table, rt.relname AS ref_table,
             array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
             array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS ref_columns,
             c.confdeltype::text AS on_delete
      FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class rt ON rt.oid = c.confrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND n.nspname = 'public'`);
    const deleteRules: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };
    const actual = rows
      .map((r) => `${r.table}(${r.columns.join(",")}) -> ${r.ref_table}(${r.ref_columns.join(",")}) ON DELETE ${deleteRules[r.on_delete]}`)
      .sort();
    const byName = new Map(datamodel.models.map((m) => [m.name, m]));
    const expected = datamodel.models
      .flatMap((m) =>
        m.fields
          .filter((f) => f.kind === "object" && f.relationFromFields && f.relationFromFields.length > 0)
          .map((f) => {
            const target = byName.get(f.type)!;
            const col = (mm: DmmfModel, name: string) => columnOf(mm.fields.find((x) => x.name === name)!);
            const from = f.relationFromFields!.map((n) => col(m, n));
            const to = f.relationToFields!.map((n) => col(target, n));
            // Prisma's default for a required relation is Restrict, for an optional one SetNull.
            const onDelete = f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull");
            return `${tableOf(m)}(${from.join(",")}) -> ${tableOf(target)}(${to.join(",")}) ON DELETE ${onDelete}`;
          }),
      )
      .sort();
    expect(actual).toEqual(expected);
  });
});
