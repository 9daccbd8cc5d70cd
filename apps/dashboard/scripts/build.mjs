// Builds the dashboard for production when there is no build, or the sources are newer than it.
// Run alone (`node scripts/build.mjs`) or imported by serve.mjs.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
export const next = path.join(root, "node_modules/.bin/next");
const buildId = path.join(root, ".next/BUILD_ID");

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function buildIfStale() {
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= newestSource(path.join(root, "src"))) return;
  console.log("building the dashboard (next build)…");
  const build = spawnSync(next, ["build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

if (process.argv[1] === import.meta.filename) buildIfStale();
