import { defineConfig } from "vitest/config";

// One runner for the whole repo: each package is a project with its own settings.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "scripts/vitest.config.ts"],
  },
});
