import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "nn",
    include: ["test/**/*.test.ts"],
    // TensorFlow.js' backend is process-global state: one process per test file keeps them apart.
    pool: "forks",
    // One file at a time: run beside the others, the WebGPU file's process (Dawn on SwiftShader, next
    // to OpenBLAS' threads) died now and then without a word; alone, it never did in our runs.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
