// pnpm --filter @trainql/server schema:print — writes schema.graphql, the SDL clients read.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { lexicographicSortSchema, printSchema } from "graphql";
import { schema } from "../src/schema/index.ts";

export const SCHEMA_FILE = path.resolve(import.meta.dirname, "../schema.graphql");
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;

if (process.argv[1] === import.meta.filename) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
