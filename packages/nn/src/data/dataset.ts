// CIFAR-10 preprocessed exactly as the reference assignment's `preprocess_cifar10`: pixels / 255 as
// float32, minus the per-channel mean over all 50,000 training images, flattened to 3,072 (CHW);
// validation = the last 20% of the training images, test = the test batch.
import { createHash } from "node:crypto";
import { adviseHugePages } from "../backend/hugePages.ts";
import {
  CHANNELS,
  type Cifar10Batch,
  IMAGE_SIZE,
  PIXELS_PER_IMAGE,
  RECORDS_PER_BATCH,
  readCifar10,
  resolveDataDir,
} from "./cifar10.ts";

/** `n` rows of 3,072 float32 features (row-major) and their labels. */
export interface Split {
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

export interface Cifar10Dataset {
  train: Split;
  val: Split;
  test: Split;
  dataDir: string;
  /** The per-channel (R, G, B) mean that was subtracted, in the 0–1 pixel scale. */
  channelMean: [number, number, number];
  /**
   * Which data this is, to tell two trainers' data sets apart: a hash of every image and label read
   * (wherever the files are) and of the split sizes taken. A run resumed, forked or reproduced on other
   * data would not be the run it says it is.
   */
  fingerprint: string;
}

export interface LoadOptions {
  /** The data directory; else the default cache directory. */
  dataDir?: string;
  /** Take only the first N training / validation rows (quick runs). */
  numTrain?: number;
  numVal?: number;
  /** Records per batch file: 10,000 for the official data, fewer for generated test sets. */
  recordsPerBatch?: number;
}

const VALIDATION_RATIO = 0.2;
const PLANE = IMAGE_SIZE * IMAGE_SIZE;

// One float32 copy of the training set is 600 MB: load once per process and share it.
const cache = new Map<string, Promise<Cifar10Dataset>>();

export function loadCifar10(options: LoadOptions = {}): Promise<Cifar10Dataset> {
  const dataDir = resolveDataDir(options.dataDir);
  const recordsPerBatch = options.recordsPerBatch ?? RECORDS_PER_BATCH;
  const key = `${dataDir}\0${recordsPerBatch}`;
  let full = cache.get(key);
  if (!full) {
    full = readCifar10(dataDir, recordsPerBatch).then(({ train, test }) => ({
      ...preprocess(train, test, dataDir),
      fingerprint: contentHash(train, test),
    }));
    cache.set(key, full);
    full.catch(() => cache.delete(key));
  }
  return full.then((data) => limit(data, options));
}

/** SHA-256 of the images and labels, in file order: ~0.5 s for the official 180 MB, once per process. */
function contentHash(train: Cifar10Batch, test: Cifar10Batch): string {
  const hash = createHash("sha256");
  for (const batch of [train, test]) hash.update(batch.labels).update(batch.pixels);
  return hash.digest("hex");
}

function preprocess(train: Cifar10Batch, test: Cifar10Batch, dataDir: string): Omit<Cifar10Dataset, "fingerprint"> {
  // Integer sums are exact; the mean is over every pixel of every training image, per channel.
  const sums = [0, 0, 0];
  for (let i = 0; i < train.count; i++) {
    for (let c = 0; c < CHANNELS; c++) {
      const start = i * PIXELS_PER_IMAGE + c * PLANE;
      let s = 0;
      for (let p = start; p < start + PLANE; p++) s += train.pixels[p] as number;
      sums[c] = (sums[c] as number) + s;
    }
  }
  const mean = sums.map((s) => Math.fround(s / (train.count * PLANE * 255))) as [number, number, number];

  const numTraining = Math.floor(train.count * (1 - VALIDATION_RATIO));
  const xAll = normalize(train.pixels, train.count, mean);
  const yAll = train.labels;
  return {
    train: { x: xAll.subarray(0, numTraining * PIXELS_PER_IMAGE), y: yAll.subarray(0, numTraining), n: numTraining },
    val: {
      x: xAll.subarray(numTraining * PIXELS_PER_IMAGE),
      y: yAll.subarray(numTraining),
      n: train.count - numTraining,
    },
    test: { x: normalize(test.pixels, test.count, mean), y: test.labels, n: test.count },
    dataDir,
    channelMean: mean,
  };
}

function normalize(pixels: Uint8Array, count: number, mean: readonly number[]): Float32Array {
  const x = new Float32Array(count * PIXELS_PER_IMAGE);
  // (Before the first write: minibatches are sampled from here, see hugePages.ts.)
  adviseHugePages(x);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < CHANNELS; c++) {
      const m = mean[c] as number;
      const start = i * PIXELS_PER_IMAGE + c * PLANE;
      // Same float32 arithmetic as the reference: (x / 255) in float32, then minus the float32 mean.
      for (let p = start; p < start + PLANE; p++) x[p] = Math.fround((pixels[p] as number) / 255) - m;
    }
  }
  return x;
}

/** The first rows of the splits (quick runs), and a fingerprint of the files' and of the sizes taken. */
function limit(data: Cifar10Dataset, { numTrain, numVal }: LoadOptions): Cifar10Dataset {
  const train = firstRows(data.train, numTrain, "numTrain");
  const val = firstRows(data.val, numVal, "numVal");
  const fingerprint = createHash("sha256")
    .update(`${data.fingerprint} ${train.n} ${val.n} ${data.test.n}`)
    .digest("hex")
    .slice(0, FINGERPRINT_LENGTH);
  return { ...data, train, val, fingerprint };
}

/** Hex digits kept: 64 bits, short enough to show, and no two data sets in one fleet will collide. */
const FINGERPRINT_LENGTH = 16;

function firstRows(split: Split, n: number | undefined, field: string): Split {
  if (n === undefined) return split;
  if (!Number.isInteger(n) || n < 1 || n > split.n) {
    throw new RangeError(`${field} must be an integer from 1 to ${split.n}; got ${n}`);
  }
  return { x: split.x.subarray(0, n * PIXELS_PER_IMAGE), y: split.y.subarray(0, n), n };
}
