// Browser tests of the dashboard: Debian's Chromium (never a downloaded browser) against the real
// stack — PostgreSQL, the API, a trainer process and the production dashboard — on a tiny data set.
// Two stacks: an open one for the product's pages, and one whose API wants a token (and whose
// trainer runs without the native BLAS).
import { defineConfig } from "@playwright/test";

export const API_PORT = 4310;
export const DASHBOARD_PORT = 3310;
export const CONTROL_PORT = 4311;
export const AUTH = {
  apiPort: 4320,
  dashboardPort: 3320,
  controlPort: 4321,
  token: "e2e-secret-token",
  /** Of API_READ_TOKEN: watches, changes nothing. */
  readToken: "e2e-watch-only-token",
};

const stack = (apiPort: number, dashboardPort: number, controlPort: number, env: Record<string, string> = {}) => ({
  command: "node --import tsx e2e/stack.ts",
  url: `http://127.0.0.1:${dashboardPort}/experiments`,
  timeout: 600_000,
  reuseExistingServer: false,
  stdout: "pipe" as const,
  stderr: "pipe" as const,
  env: { API_PORT: String(apiPort), DASHBOARD_PORT: String(dashboardPort), CONTROL_PORT: String(controlPort), ...env },
});

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/artifacts",
  fullyParallel: false,
  workers: 1,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: [["list"]],
  use: {
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
  projects: [
    { name: "dashboard", testMatch: "dashboard.spec.ts", use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` } },
    // After the dashboard's own tests (they count the runs they make), on the same stack.
    {
      name: "by-url",
      testMatch: "pagesByUrl.spec.ts",
      dependencies: ["dashboard"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // Names, tags, notes and downloads; after by-url (which counts the runs the dashboard tests make).
    {
      name: "labels-exports",
      testMatch: "runLabelsExports.spec.ts",
      dependencies: ["by-url"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // Chart controls, live comparison, dark mode: its own runs on the open stack (after the
    // tests that count theirs), cancelled at its end.
    {
      name: "charts",
      testMatch: "charts.spec.ts",
      dependencies: ["labels-exports"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // Seed groups and reproductions: after the other projects on the open stack (they count the runs they make).
    {
      name: "seeds",
      testMatch: "seeds.spec.ts",
      dependencies: ["charts"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // The weights slider and forks; last on the open stack (the projects before count their runs).
    {
      name: "history",
      testMatch: "history.spec.ts",
      dependencies: ["seeds"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // A trainer killed and replaced (on another device) under a running run: last on the open stack,
    // which it leaves with the replacement.
    {
      name: "interruptions",
      testMatch: "interruptions.spec.ts",
      dependencies: ["history"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // A sweep drawn from ranges: after the projects that count runs, on the stack they leave.
    {
      name: "ranges",
      testMatch: "ranges.spec.ts",
      dependencies: ["interruptions"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    // Leaving a page that streams a live run: after the projects that count runs.
    {
      name: "live-navigation",
      testMatch: "liveNavigation.spec.ts",
      dependencies: ["ranges"],
      use: { baseURL: `http://127.0.0.1:${DASHBOARD_PORT}` },
    },
    { name: "auth", testMatch: "auth.spec.ts", use: { baseURL: `http://127.0.0.1:${AUTH.dashboardPort}` } },
  ],
  webServer: [
    stack(API_PORT, DASHBOARD_PORT, CONTROL_PORT),
    // (Also the stack without native matrix products: its trainer must still work, and say why it is slower.)
    stack(AUTH.apiPort, AUTH.dashboardPort, AUTH.controlPort, {
      API_TOKEN: AUTH.token,
      API_READ_TOKEN: AUTH.readToken,
      API_PUBLIC_QUERIES: "false",
      TRAINQL_BLAS: "off",
    }),
  ],
});
