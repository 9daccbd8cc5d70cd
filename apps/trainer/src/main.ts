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

async function shutdown(code: number) {
  await trainer.stop();
  await database.stop();
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => shutdown(0));
// Whoever runs trainers (pnpm start's supervisor, a service manager) starts it again.
void trainer.unusable.then(() => shutdown(1));
