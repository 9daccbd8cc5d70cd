// `pnpm --filter @trainql/server api`: the GraphQL API alone (trainers run as separate processes).
import { buildApp } from "./app.ts";
import { openDatabase } from "./db/database.ts";
import { readEnv } from "./env.ts";
import { logUnhandledRejections } from "./processErrors.ts";

logUnhandledRejections("api");
const env = readEnv();
const loopback = ["127.0.0.1", "::1", "localhost"].includes(env.host);
if (env.apiTokens.length === 0 && !loopback && !env.allowUnauthenticatedNetwork) {
  console.error(
    `Refusing to listen on ${env.host} without API_TOKEN: anyone who can reach it could launch training runs.\n` +
      "Set API_TOKEN=<secret>[,<secret>…], or listen on 127.0.0.1, or — only on a network you trust — set " +
      "TRAINQL_I_UNDERSTAND_ANYONE_CAN_TRAIN_ON_THIS_SERVER=1.",
  );
  process.exit(2);
}
const database = await openDatabase(env);
const app = buildApp({
  databaseUrl: database.url,
  trainerTimeoutMs: env.trainerTimeoutMs,
  runMaxAttempts: env.runMaxAttempts,
  origins: { allowedOrigins: env.allowedOrigins },
  access: { tokens: env.apiTokens, publicQueries: env.publicQueries },
  limits: {
    maxQueuedRuns: env.maxQueuedRuns,
    startRate: { perMinute: env.startRunsPerMinute },
  },
});
const port = await app.start(env.port, env.host);
console.log(`API: http://${env.host}:${port}/graphql (GraphQL over HTTP and WebSocket)`);
if (env.apiTokens.length === 0) {
  console.log(
    `No API_TOKEN set: the API is open to anyone who can reach ${env.host}${loopback ? " (loopback only: this machine)" : " — UNAUTHENTICATED ON THE NETWORK"}.`,
  );
} else
  console.log(
    `API tokens: ${env.apiTokens.length}; queries ${env.publicQueries ? "open" : "need a token"}; mutations and subscriptions need one.`,
  );

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.stop();
    await database.stop();
    process.exit(0);
  });
}
