// `pnpm --filter @trainql/server trainer`: one trainer process. Start more, on this machine or others,
// with the same DATABASE_URL.
import { openDatabase } from "../db/database.ts";
import { readEnv } from "../env.ts";
import { logUnhandledRejections } from "../processErrors.ts";
import { startTrainer } from "./trainer.ts";

logUnhandledRejections("trainer");
const env = readEnv();
const database = await openDatabase(env);
const trainer = await startTrainer(env, database.url);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await trainer.stop();
    await database.stop();
    process.exit(0);
  });
}
