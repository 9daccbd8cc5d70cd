// --backend's value, for the programs that load a backend (pnpm train, pnpm bench). Not in runCli.ts:
// the API imports that, and must load no TensorFlow.js (packageBoundaries.test.ts).
import { type BackendName, parseBackendName } from "../backend/backend.ts";
import { UsageError } from "./runCli.ts";

/** --backend's value, refused naming the flag. */
export function backendFlag(raw: string): BackendName | "auto" {
  try {
    return parseBackendName(raw);
  } catch (error) {
    throw new UsageError(`--backend: ${(error as Error).message}`);
  }
}
