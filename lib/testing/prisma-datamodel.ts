import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { z } from "zod";

// Prisma's own schema parser (the WebAssembly build the CLI uses), so the test compares the
// database with what Prisma understands the schema to say, not with a hand-written reading of it.
const require = createRequire(import.meta.url);
const wasm = require("@prisma/prisma-schema-wasm") as { get_dmmf(params: string): string };

const field = z.object({
  name: z.string(),
  dbName: z.string().nullish(),
  kind: z.string(),
  isList: z.boolean(),
  isRequired: z.boolean(),
  isId: z.boolean(),
  isUnique: z.boolean(),
  isUpdatedAt: z.boolean(),
  hasDefaultValue: z.boolean(),
  type: z.string(),
  nativeType: z.tuple([z.string(), z.array(z.string())]).nullish(),
  relationFromFields: z.array(z.string()).optional(),
  relationToFields: z.array(z.string()).optional(),
  relationOnDelete: z.string().optional(),
});
const model = z.object({ name: z.string(), dbName: z.string().nullish(), fields: z.array(field) });
const index = z.object({
  model: z.string(),
  type: z.enum(["id", "unique", "normal", "fulltext"]),
  dbName: z.string().nullish(),
  algorithm: z.string().optional(),
  fields: z.array(z.object({ name: z.string() })),
});
const dmmf = z.object({ datamodel: z.object({ models: z.array(model), indexes: z.array(index) }) });

export type DmmfModel = z.infer<typeof model>;
export type DmmfField = z.infer<typeof field>;

const SCHEMA_DIR = path.join(process.cwd(), "prisma", "schema");

function schemaFiles(dir: string): [string, string][] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".prisma"))
    .map((f) => [f, readFileSync(path.join(dir, f), "utf8")]);
}

export function readDatamodel(dir = SCHEMA_DIR) {
  return dmmf.parse(JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: schemaFiles(dir) })))).datamodel;
}

export interface UnsupportedField {
  model: string;
  name: string;
  column: string;
  /** The database type inside `Unsupported("…")`. */
  type: string;
  isRequired: boolean;
}

/**
 * Fields of type `Unsupported("…")` (a tsvector, say), which Prisma's DMMF leaves out of the
 * models' fields while its indexes still name them: read from the schema text, one per line.
 */
export function readUnsupportedFields(dir = SCHEMA_DIR): UnsupportedField[] {
  const out: UnsupportedField[] = [];
  for (const [, text] of schemaFiles(dir)) {
    let model: string | null = null;
    for (const line of text.split("\n")) {
      const start = /^model\s+(\w+)\s*\{/.exec(line);
      if (start) model = start[1]!;
      else if (/^\}/.test(line)) model = null;
      const field = /^\s+(\w+)\s+Unsupported\("([^"]+)"\)(\?)?(.*)$/.exec(line);
      if (model && field) {
        const map = /@map\("([^"]+)"\)/.exec(field[4] ?? "");
        out.push({ model, name: field[1]!, column: map?.[1] ?? field[1]!, type: field[2]!, isRequired: field[3] !== "?" });
      }
    }
  }
  return out;
}
