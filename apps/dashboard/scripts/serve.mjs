// `pnpm start` for the dashboard: a production build (made once, and again when the sources change),
// then `next start`. Never the dev server.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const next = path.join(root, "node_modules/.bin/next");
const buildId = path.join(root, ".next/BUILD_ID");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

if (!existsSync(buildId) || statSync(buildId).mtimeMs < newestSource(path.join(root, "src"))) {
  console.log("building the dashboard (next build)…");
  const build = spawnSync(next, ["build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const port = process.env.DASHBOARD_PORT || "3000";
const host = process.env.DASHBOARD_HOST || "127.0.0.1";
console.log(`dashboard: http://${host === "0.0.0.0" ? "localhost" : host}:${port}`);
const server = spawn(next, ["start", "-p", port, "-H", host], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
