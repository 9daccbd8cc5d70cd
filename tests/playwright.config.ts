// Browser tests of the dashboard: Debian's Chromium (never a downloaded browser) against the real
// stack — PostgreSQL, the API, a trainer process and the production dashboard — on a tiny data set.
import { defineConfig } from "@playwright/test";

export const API_PORT = 4310;
export const DASHBOARD_PORT = 3310;
export const CONTROL_PORT = 4311;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/artifacts",
  fullyParallel: false,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${DASHBOARD_PORT}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "node --import tsx e2e/stack.ts",
    url: `http://127.0.0.1:${DASHBOARD_PORT}/experiments`,
    timeout: 600_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: { API_PORT: String(API_PORT), DASHBOARD_PORT: String(DASHBOARD_PORT), CONTROL_PORT: String(CONTROL_PORT) },
  },
});
