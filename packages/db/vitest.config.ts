import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "db",
    include: ["test/**/*.test.ts"],
    globalSetup: ["src/vitestGlobalSetup.ts"],
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
