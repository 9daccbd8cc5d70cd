// `pnpm start`: the whole system on one machine — PostgreSQL (embedded unless DATABASE_URL is set),
// the GraphQL API, one trainer, and the dashboard — each a process of its own, stopped together.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { openDatabase } from "../apps/server/src/db/database.ts";
import { readEnv } from "../apps/server/src/env.ts";

const root = path.resolve(import.meta.dirname, "..");
const env = readEnv();
const database = await openDatabase(env);
const children: ChildProcess[] = [];

function start(name: string, cwd: string, args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, args, {
    cwd: path.join(root, cwd),
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      // Children run in their own folders: a relative data path means relative to where we were started.
      ...(env.cifar10Dir ? { CIFAR10_DIR: path.resolve(env.cifar10Dir) } : {}),
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split("\n")
      .filter(Boolean)
      .map((line) => `[${name}] ${line}\n`)
      .join("");
  child.stdout?.on("data", (d: Buffer) => process.stdout.write(prefix(d)));
  child.stderr?.on("data", (d: Buffer) => process.stderr.write(prefix(d)));
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[${name}] exited (${signal ?? code}); stopping everything`);
      void stop(1);
    }
  });
  children.push(child);
}

start("api", "apps/server", ["--import", "tsx", "src/main.ts"]);
start("trainer", "apps/server", ["--import", "tsx", "src/trainer/main.ts"]);
const dashboard = path.join(root, "apps/dashboard");
if (existsSync(path.join(dashboard, "package.json"))) {
  start("dashboard", "apps/dashboard", ["scripts/serve.mjs"], { TRAINQL_API_PORT: String(env.port) });
}

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await database.stop();
  process.exit(code);
}
// `on`, not `once`: a second Ctrl-C (or pnpm relaying the signal) must not kill us mid-shutdown.
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
