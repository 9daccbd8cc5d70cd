import { defineConfig } from "vitest/config";

// The WebGPU file runs in a vitest run of its own (WEBGPU_TESTS=only, after the others; see the
// root `test` script): beside other test processes its worker (Dawn on SwiftShader, next to
// OpenBLAS' threads) died now and then without a word — in 2 of 4 full runs; alone, once in CI.
// Its likely cause, a Dawn instance freed by the garbage collector, is gone (installNavigatorGpu); the
// file stays apart so that a test process of Dawn's is never beside the others' OpenBLAS threads.
const gpuOnly = process.env.WEBGPU_TESTS === "only";
const GPU_FILE = "test/webgpu.test.ts";

export default defineConfig({
  test: {
    name: "nn",
    include: gpuOnly ? [GPU_FILE] : ["test/**/*.test.ts"],
    exclude: gpuOnly ? [] : [GPU_FILE, "**/node_modules/**"],
    // TensorFlow.js' backend is process-global state: one process per test file keeps them apart.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
