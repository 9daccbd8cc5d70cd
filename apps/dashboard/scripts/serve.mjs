// `pnpm start` for the dashboard: a production build (made once, and again when the sources change),
// then `next start`. Never the dev server.
import { spawn } from "node:child_process";
import path from "node:path";
import { buildIfStale, next } from "./build.mjs";

buildIfStale();
const port = process.env.DASHBOARD_PORT || "3000";
const host = process.env.DASHBOARD_HOST || "127.0.0.1";
console.log(`dashboard: http://${host === "0.0.0.0" ? "localhost" : host}:${port}`);
const server = spawn(next, ["start", "-p", port, "-H", host], {
  cwd: path.resolve(import.meta.dirname, ".."),
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
