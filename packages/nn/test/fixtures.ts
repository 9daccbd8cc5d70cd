// Shared by the tests: temporary folders and a tiny generated CIFAR-10.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { writeSyntheticCifar10 } from "./nn.ts";

/** A temporary directory removed after the test file. */
export async function tempDir(prefix = "trainql-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export const TINY_RECORDS = 100;

/** Six batch files of TINY_RECORDS records: 400 train, 100 val, 100 test rows. */
export async function tinyCifar10(seed = 0): Promise<string> {
  const dir = await tempDir("trainql-cifar-");
  return writeSyntheticCifar10(dir, { recordsPerBatch: TINY_RECORDS, seed });
}
