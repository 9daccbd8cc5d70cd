// `pnpm start` for the dashboard: a production build (made once, and again when the sources change),
// then `next start`. Never the dev server.
import { spawn } from "node:child_process";
import path from "node:path";
import { buildIfStale, next } from "./build.mjs";

// (@trainql/env's DEFAULT_PORTS.dashboard: this script runs on plain Node, which reads no TypeScript.)
const port = process.env.DASHBOARD_PORT || "3000";
const host = process.env.DASHBOARD_HOST || "127.0.0.1";
// The dashboard renders pages on its server from the API (on loopback, without a token, the API's
// data is this machine's alone). Listening beyond loopback would show it to the network, as the API
// refuses to do without a token (apps/server/src/main.ts).
const loopback = ["127.0.0.1", "::1", "localhost"].includes(host);
if (!loopback && !process.env.API_TOKEN && process.env.TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER !== "1") {
  console.error(
    `Refusing to serve the dashboard on ${host} without API_TOKEN: its pages would show the API's runs to anyone who can reach it.\n` +
      "Set API_TOKEN (the API's, with API_PUBLIC_QUERIES=false to keep reads private), or serve on 127.0.0.1, or — only on a network you trust — set " +
      "TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER=1.",
  );
  process.exit(2);
}
buildIfStale();
console.log(`dashboard: http://${host === "0.0.0.0" ? "localhost" : host}:${port}`);
const server = spawn(next, ["start", "-p", port, "-H", host], {
  cwd: path.resolve(import.meta.dirname, ".."),
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
