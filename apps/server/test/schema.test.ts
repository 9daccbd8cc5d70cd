import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../scripts/printSchema.ts";

it("matches the committed schema.graphql (run `pnpm --filter @trainql/server schema:print` after a change)", () => {
  expect(printedSchema()).toBe(readFileSync(SCHEMA_FILE, "utf8"));
});
