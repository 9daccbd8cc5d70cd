// `pnpm --filter @trainql/trainer start`: one trainer process. Start more, on this machine or
// others, with the same DATABASE_URL.
import { openDatabase } from "@trainql/db/database";
import { logUnhandledRejections } from "@trainql/runs";
import { readTrainerEnv } from "./env.ts";
import { lowerPriority } from "./priority.ts";
import { startTrainer } from "./trainer.ts";

logUnhandledRejections("trainer");
const env = readTrainerEnv();
lowerPriority(env.TRAINER_NICE);
const database = await openDatabase(env);
const trainer = await startTrainer(env, database.url);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, async () => {
    await trainer.stop();
    await database.stop();
    process.exit(); // 0, unless the trainer stopped itself for a reason (see startTrainer)
  });
}
