import { defineConfig } from "vitest/config";

export default defineConfig({ test: { name: "runs", include: ["test/**/*.test.ts"] } });
