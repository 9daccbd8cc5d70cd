// A small, learnable data set in the exact CIFAR-10 binary format, for tests and demos that must not
// depend on the real 180 MB download: each class has its own colour and stripe pattern, plus noise.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import seedrandom from "seedrandom";
import { IMAGE_SIZE, NUM_CLASSES, PIXELS_PER_IMAGE, RECORD_BYTES, TEST_FILE, TRAIN_FILES } from "./cifar10.ts";

export interface SyntheticOptions {
  /** Records in each of the six files (the official files hold 10,000). */
  recordsPerBatch: number;
  seed?: number;
  /** Pixel noise amplitude (0–255): higher makes the classes harder to tell apart. */
  noise?: number;
}

export function syntheticBatch(records: number, rng: () => number, noise: number): Uint8Array {
  const bytes = new Uint8Array(records * RECORD_BYTES);
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  for (let r = 0; r < records; r++) {
    const label = Math.floor(rng() * NUM_CLASSES);
    const offset = r * RECORD_BYTES;
    bytes[offset] = label;
    for (let p = 0; p < PIXELS_PER_IMAGE; p++) {
      const c = Math.floor(p / plane);
      const row = Math.floor((p % plane) / IMAGE_SIZE);
      const base = (label * 37 + c * 85) % 200;
      const stripe = (row + label) % (2 + (label % 3)) === 0 ? 40 : 0;
      const value = base + stripe + (rng() - 0.5) * 2 * noise;
      bytes[offset + 1 + p] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  return bytes;
}

/** Writes data_batch_1…5.bin and test_batch.bin to `dir`; returns `dir`. */
export async function writeSyntheticCifar10(
  dir: string,
  { recordsPerBatch, seed = 0, noise = 60 }: SyntheticOptions,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const rng = seedrandom.alea(`synthetic:${seed}`);
  for (const file of [...TRAIN_FILES, TEST_FILE]) {
    await writeFile(path.join(dir, file), syntheticBatch(recordsPerBatch, rng, noise));
  }
  return dir;
}
