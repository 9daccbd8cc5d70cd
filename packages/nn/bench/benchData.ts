// The data both sides of the bench train on: the real CIFAR-10 when it is where training looks for it
// (--data-dir, CIFAR10_DIR, the default cache), else a synthetic set of the same size and format,
// written once to the temporary folder. Either way the NumPy peers read the same files
// (bench/cifarData.py preprocesses them as src/data/dataset.ts does), so both sides see the same
// float32 rows: pixels / 255 minus the channel mean. (The peer used to draw N(0, 1) rows of its own,
// on which NumPy's step took 80 ms at H = 512 against 28 ms on pixels: not the same work.)
import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readEngineEnv } from "../src/cli/env.ts";
import { hasCifar10, RECORDS_PER_BATCH, resolveDataDir } from "../src/data/cifar10.ts";
import { type Cifar10Dataset, loadCifar10 } from "../src/data/dataset.ts";
import { writeSyntheticCifar10 } from "../src/data/syntheticCifar10.ts";

export interface BenchData {
  dir: string;
  /** The real CIFAR-10, or the synthetic stand-in. */
  real: boolean;
  data: Cifar10Dataset;
}

const SYNTHETIC_DIR = path.join(os.tmpdir(), "trainql-bench-synthetic-cifar10");

export async function benchData(dataDir: string | undefined, say: (line: string) => void): Promise<BenchData> {
  const dir = resolveDataDir(dataDir ?? readEngineEnv().CIFAR10_DIR);
  if (hasCifar10(dir)) return { dir, real: true, data: await loadCifar10({ dataDir: dir }) };
  if (!hasCifar10(SYNTHETIC_DIR)) {
    say(`no CIFAR-10 in ${dir}: writing a synthetic one of the same size to ${SYNTHETIC_DIR} (once)`);
    // Written aside and renamed, so an interrupted write is never taken for a complete set.
    const partial = `${SYNTHETIC_DIR}.${process.pid}`;
    await writeSyntheticCifar10(partial, { recordsPerBatch: RECORDS_PER_BATCH });
    if (!existsSync(SYNTHETIC_DIR)) await rename(partial, SYNTHETIC_DIR);
  }
  return { dir: SYNTHETIC_DIR, real: false, data: await loadCifar10({ dataDir: SYNTHETIC_DIR }) };
}
