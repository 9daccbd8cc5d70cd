import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "nn",
    include: ["test/**/*.test.ts"],
    // TensorFlow.js' backend is process-global state: one process per test file keeps them apart.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
