// `pnpm --filter @trainql/server start`: the GraphQL API alone (trainers run as separate processes).
import { openDatabase } from "@trainql/db/database";
import { logUnhandledRejections } from "@trainql/runs";
import { reapPolicyOf } from "@trainql/runs/env";
import { buildApp } from "./app.ts";
import { localDashboard, readApiEnv } from "./env.ts";

logUnhandledRejections("api");
const env = readApiEnv();
const tokens = env.API_TOKEN;
const loopback = ["127.0.0.1", "::1", "localhost"].includes(env.HOST);
if (tokens.length === 0 && !loopback && env.TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER !== "1") {
  console.error(
    `Refusing to listen on ${env.HOST} without API_TOKEN: anyone who can reach it could launch training runs.\n` +
      "Set API_TOKEN=<secret>[,<secret>…], or listen on 127.0.0.1, or — only on a network you trust — set " +
      "TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER=1.",
  );
  process.exit(2);
}
const readOnlyTokens = env.API_READ_TOKEN;
if (readOnlyTokens.length > 0 && tokens.length === 0) {
  console.error(
    "API_READ_TOKEN is set without API_TOKEN: without API_TOKEN the API asks for no token at all, so a read-only one would restrict nothing. Set API_TOKEN too.",
  );
  process.exit(2);
}
if (readOnlyTokens.some((t) => tokens.includes(t))) {
  console.error("A token is in both API_TOKEN and API_READ_TOKEN: give each token one of the two.");
  process.exit(2);
}
const publicQueries = env.API_PUBLIC_QUERIES === "true";
const database = await openDatabase(env);
const app = buildApp({
  databaseUrl: database.url,
  reapPolicy: reapPolicyOf(env),
  origins: {
    allowedOrigins: env.TRAINQL_ALLOWED_ORIGINS.length
      ? env.TRAINQL_ALLOWED_ORIGINS
      : localDashboard(env.DASHBOARD_PORT),
    allowedHosts: env.TRAINQL_ALLOWED_HOSTS.length ? env.TRAINQL_ALLOWED_HOSTS : loopback ? [] : "any",
  },
  access: { tokens, readOnlyTokens, publicQueries },
  limits: {
    maxQueuedRuns: env.MAX_QUEUED_RUNS,
    maxQueuedRunsPerToken: env.MAX_QUEUED_RUNS_PER_TOKEN ?? env.MAX_QUEUED_RUNS,
    startRate: { perMinute: env.START_RUNS_PER_MINUTE },
  },
});
const port = await app.start(env.PORT, env.HOST);
console.log(`API: http://${env.HOST}:${port}/graphql (GraphQL over HTTP and WebSocket)`);
if (tokens.length === 0) {
  console.log(
    `No API_TOKEN set: the API is open to anyone who can reach ${env.HOST}${loopback ? " (loopback only: this machine)" : " — UNAUTHENTICATED ON THE NETWORK"}.`,
  );
} else
  console.log(
    `API tokens: ${tokens.length}, read-only: ${readOnlyTokens.length}; queries ${publicQueries ? "open" : "need a token"}; subscriptions need one, mutations one of API_TOKEN.`,
  );

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.stop();
    await database.stop();
    process.exit(0);
  });
}
