import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // graphql ships both ESM and CJS; Pothos and Yoga load the CJS build, so our own imports must
  // too, or the schema mixes two copies of graphql ("Cannot use GraphQLSchema from another realm").
  resolve: { alias: { graphql: "graphql/index.js" } },
  test: {
    name: "server",
    include: ["test/**/*.test.ts"],
    globalSetup: [fileURLToPath(import.meta.resolve("@trainql/db/vitestGlobalSetup"))],
    pool: "forks",
    // Each file makes its own database and processes; on 2 cores, one file at a time is fastest.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
