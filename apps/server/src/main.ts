// `pnpm --filter @trainql/server api`: the GraphQL API alone (trainers run as separate processes).
import { buildApp } from "./app.ts";
import { openDatabase } from "./db/database.ts";
import { readEnv } from "./env.ts";

const env = readEnv();
const database = await openDatabase(env);
const app = buildApp({ databaseUrl: database.url, trainerTimeoutMs: env.trainerTimeoutMs });
const port = await app.start(env.port, env.host);
console.log(`API: http://${env.host}:${port}/graphql (GraphQL over HTTP and WebSocket)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await app.stop();
    await database.stop();
    process.exit(0);
  });
}
