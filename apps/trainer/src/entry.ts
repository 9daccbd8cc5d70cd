// Where a trainer process starts, for those who launch trainers (`pnpm start`, the sweep CLI, tests)
// without loading TensorFlow.js themselves: run it as `node --import tsx <TRAINER_MAIN>`.
import { fileURLToPath } from "node:url";

export const TRAINER_MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
