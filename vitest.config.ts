import { defineConfig } from "vitest/config";

// One runner for the whole repo: each package is a project with its own settings.
export default defineConfig({
  test: {
    // apps/trainer/test/heldJobs.test.ts takes the database away as a queue job ends: graphile-worker's
    // write of that end fails as a promise it leaves unhandled (what the test is about). An unhandled
    // error from anywhere else still fails the run.
    onUnhandledError: (error) =>
      !(/batch(Complete|Fail)Jobs/.test(error.stack ?? "") && /Connection terminated|ECONN/.test(error.message ?? "")),
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "scripts/vitest.config.ts"],
  },
});
