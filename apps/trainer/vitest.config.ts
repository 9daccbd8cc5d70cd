import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "trainer",
    include: ["test/**/*.test.ts"],
    globalSetup: [fileURLToPath(import.meta.resolve("@trainql/db/vitestGlobalSetup"))],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
