// A trainer runs below the API's CPU priority (TRAINER_NICE): training is batch work, and on a
// machine where both compete for cores the API's queries and live events must not wait behind it.
import { readdirSync } from "node:fs";
import os from "node:os";

/**
 * Lowers every thread of this process to `nice` (never raises one: that needs privileges a trainer
 * should not have). On Linux niceness belongs to each thread, and Node has started several before
 * any of our code runs; threads started later (BLAS, WebGPU) inherit it from the one that starts them.
 */
export function lowerPriority(nice: number): void {
  let threads: number[];
  try {
    threads = readdirSync("/proc/self/task").map(Number);
  } catch {
    threads = [0]; // no /proc: the process as a whole (macOS, where niceness is per process)
  }
  for (const thread of threads) {
    try {
      if (os.getPriority(thread) < nice) os.setPriority(thread, nice);
    } catch {
      // The thread ended meanwhile.
    }
  }
}
