// The CIFAR-10 "binary version": data_batch_1.bin … data_batch_5.bin and test_batch.bin, each a run
// of records of 1 label byte followed by 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue,
// each a row-major 32×32 plane). https://www.cs.toronto.edu/~kriz/cifar.html
import { existsSync, statSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const IMAGE_SIZE = 32;
export const CHANNELS = 3;
export const PIXELS_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE * CHANNELS; // 3,072
export const RECORD_BYTES = 1 + PIXELS_PER_IMAGE; // 3,073
export const RECORDS_PER_BATCH = 10_000;
/** The class of each label, 0 to 9, as the data set's batches.meta.txt names them. */
export const CLASS_NAMES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;
export const NUM_CLASSES = CLASS_NAMES.length;
export const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const TEST_FILE = "test_batch.bin";

export const DOWNLOAD_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
export const DOWNLOAD_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
export const DEFAULT_DATA_DIR = path.join(os.homedir(), ".cache", "trainql", "cifar-10-batches-bin");

export function howToGetData(dir: string): string {
  return (
    `To get the data: run \`pnpm download-cifar\` (needs internet), or download ${DOWNLOAD_URL}, ` +
    `extract it and put the files of its cifar-10-batches-bin folder in ${dir}; ` +
    "or point --data-dir / CIFAR10_DIR at a folder that has them."
  );
}

export class Cifar10DataError extends Error {
  override name = "Cifar10DataError";
}

/** Data directory: the one given (a flag, CIFAR10_DIR: the caller's settings), else the default cache. */
export function resolveDataDir(explicit?: string): string {
  return path.resolve(explicit || DEFAULT_DATA_DIR);
}

/**
 * Whether `dir` holds any of CIFAR-10's batch files: none is a data set not fetched yet (see
 * howToGetData); some, a copy that is incomplete or broken, which readCifar10 describes file by file.
 */
export function anyCifar10File(dir: string): boolean {
  return [...TRAIN_FILES, TEST_FILE].some((f) => existsSync(path.join(dir, f)));
}

/**
 * Whether `dir` holds CIFAR-10: every batch file, each of `recordsPerBatch` records (a copy cut off
 * is no data set; readBatch would refuse it).
 */
export function hasCifar10(dir: string, recordsPerBatch = RECORDS_PER_BATCH): boolean {
  const full = recordsPerBatch * RECORD_BYTES;
  return [...TRAIN_FILES, TEST_FILE].every((f) => {
    const file = path.join(dir, f);
    return existsSync(file) && statSync(file).size === full;
  });
}

export interface Cifar10Batch {
  labels: Uint8Array;
  /** `count` images of 3,072 bytes each, CHW order. A view into the file's bytes. */
  pixels: Uint8Array;
  count: number;
}

/**
 * Reads and validates one batch file. `recordsPerBatch` is 10,000 for the official files;
 * generated test sets use fewer and say so.
 */
export async function readBatch(file: string, recordsPerBatch = RECORDS_PER_BATCH): Promise<Cifar10Batch> {
  const dir = path.dirname(file);
  const fail = (problem: string): never => {
    throw new Cifar10DataError(`CIFAR-10 file ${file}: ${problem}. ${howToGetData(dir)}`);
  };
  const expected = recordsPerBatch * RECORD_BYTES;
  const info = await stat(file).catch(() => undefined);
  if (!info) return fail("is missing");
  if (!info.isFile()) return fail("is not a regular file");
  if (info.size !== expected) {
    fail(
      `is ${info.size.toLocaleString("en-US")} bytes; expected ${expected.toLocaleString("en-US")} ` +
        `(${recordsPerBatch.toLocaleString("en-US")} records of ${RECORD_BYTES} bytes), so it is truncated or not a CIFAR-10 binary batch`,
    );
  }
  const bytes = await readFile(file);
  if (bytes.length !== expected) fail(`changed size while being read (${bytes.length} bytes)`);
  const labels = new Uint8Array(recordsPerBatch);
  const pixels = new Uint8Array(recordsPerBatch * PIXELS_PER_IMAGE);
  for (let r = 0; r < recordsPerBatch; r++) {
    const offset = r * RECORD_BYTES;
    const label = bytes[offset] as number;
    if (label >= NUM_CLASSES) fail(`record ${r} (byte offset ${offset}) has label ${label}; labels must be 0–9`);
    labels[r] = label;
    pixels.set(bytes.subarray(offset + 1, offset + RECORD_BYTES), r * PIXELS_PER_IMAGE);
  }
  return { labels, pixels, count: recordsPerBatch };
}

/** Reads the five training batches (in order) and the test batch. */
export async function readCifar10(dir: string, recordsPerBatch = RECORDS_PER_BATCH) {
  // One after the other: the first missing or broken file is the one reported, every time.
  const train: Cifar10Batch[] = [];
  for (const f of TRAIN_FILES) train.push(await readBatch(path.join(dir, f), recordsPerBatch));
  const test = await readBatch(path.join(dir, TEST_FILE), recordsPerBatch);
  return { train: concatBatches(train), test };
}

function concatBatches(batches: Cifar10Batch[]): Cifar10Batch {
  const count = batches.reduce((n, b) => n + b.count, 0);
  const labels = new Uint8Array(count);
  const pixels = new Uint8Array(count * PIXELS_PER_IMAGE);
  let row = 0;
  for (const b of batches) {
    labels.set(b.labels, row);
    pixels.set(b.pixels, row * PIXELS_PER_IMAGE);
    row += b.count;
  }
  return { labels, pixels, count };
}
