import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readEngineEnv } from "../src/cli/env.ts";
import { TINY_RECORDS, tempDir, tinyCifar10 } from "./fixtures.ts";
import {
  Cifar10DataError,
  loadCifar10,
  PIXELS_PER_IMAGE,
  RECORD_BYTES,
  readBatch,
  resolveDataDir,
  syntheticBatch,
} from "./nn.ts";

describe("CIFAR-10 reader", () => {
  it("reads labels and CHW pixels of each record", async () => {
    const dir = await tempDir();
    const bytes = new Uint8Array(2 * RECORD_BYTES);
    bytes[0] = 7;
    bytes[1] = 11; // first red pixel
    bytes[1 + 1024] = 22; // first green pixel
    bytes[RECORD_BYTES] = 3;
    bytes[RECORD_BYTES + 3072] = 99; // last blue pixel of record 1
    await writeFile(path.join(dir, "b.bin"), bytes);
    const batch = await readBatch(path.join(dir, "b.bin"), 2);
    expect(Array.from(batch.labels)).toEqual([7, 3]);
    expect(batch.pixels[0]).toBe(11);
    expect(batch.pixels[1024]).toBe(22);
    expect(batch.pixels[2 * PIXELS_PER_IMAGE - 1]).toBe(99);
  });

  it("names the file, the problem and how to get the data when a file is missing", async () => {
    const dir = await tempDir();
    const error = await loadCifar10({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cifar10DataError);
    expect((error as Error).message).toContain(path.join(dir, "data_batch_1.bin"));
    expect((error as Error).message).toContain("is missing");
    expect((error as Error).message).toContain("pnpm download-cifar");
  });

  it("rejects a file of the wrong size, with both sizes in the message", async () => {
    const dir = await tinyCifar10();
    const file = path.join(dir, "data_batch_3.bin");
    await truncate(file, TINY_RECORDS * RECORD_BYTES - 5);
    await expect(readBatch(file, TINY_RECORDS)).rejects.toThrow(
      /data_batch_3\.bin: is 307,295 bytes; expected 307,300 .*truncated.*pnpm download-cifar/,
    );
    // The official size is the default expectation.
    await expect(readBatch(path.join(dir, "test_batch.bin"))).rejects.toThrow(/expected 30,730,000/);
  });

  it("rejects a label outside 0–9, naming the record", async () => {
    const dir = await tinyCifar10();
    const file = path.join(dir, "test_batch.bin");
    const bytes = await readFile(file);
    bytes[5 * RECORD_BYTES] = 10;
    await writeFile(file, bytes);
    await expect(readBatch(file, TINY_RECORDS)).rejects.toThrow(
      /test_batch\.bin: record 5 .* label 10; labels must be 0–9/,
    );
  });

  it("takes the data directory given (the CLIs read CIFAR10_DIR for it), else the cache default", () => {
    expect(resolveDataDir("/explicit")).toBe("/explicit");
    expect(resolveDataDir()).toMatch(/\.cache\/trainql\/cifar-10-batches-bin$/);
    expect(readEngineEnv({ CIFAR10_DIR: "/from/env" }).CIFAR10_DIR).toBe("/from/env");
    expect(() => readEngineEnv({ TRAIN_BACKEND: "tpu" })).toThrow(/TRAIN_BACKEND must be auto or one of/);
  });
});

describe("preprocessing (as preprocess_cifar10)", () => {
  it("scales to 0–1, subtracts the per-channel training mean, and splits 80/20", async () => {
    const dir = await tinyCifar10(3);
    const data = await loadCifar10({ dataDir: dir, recordsPerBatch: TINY_RECORDS });
    expect(data.train.n).toBe(400);
    expect(data.val.n).toBe(100);
    expect(data.test.n).toBe(100);

    // An independent computation from the raw bytes.
    const raw = await Promise.all([1, 2, 3, 4, 5].map((i) => readFile(path.join(dir, `data_batch_${i}.bin`))));
    const records = raw.flatMap((b) =>
      Array.from({ length: TINY_RECORDS }, (_, r) => b.subarray(r * RECORD_BYTES, (r + 1) * RECORD_BYTES)),
    );
    const mean = [0, 1, 2].map((c) => {
      let s = 0;
      for (const rec of records) for (let p = 0; p < 1024; p++) s += rec[1 + c * 1024 + p]! / 255;
      return s / (records.length * 1024);
    });
    for (let c = 0; c < 3; c++) expect(data.channelMean[c]).toBeCloseTo(mean[c]!, 6);

    const check = (rec: Uint8Array, x: Float32Array, row: number) => {
      for (const p of [0, 1023, 1024, 2047, 2048, 3071]) {
        const c = Math.floor(p / 1024);
        expect(x[row * PIXELS_PER_IMAGE + p]).toBeCloseTo(rec[1 + p]! / 255 - mean[c]!, 5);
      }
    };
    check(records[0]!, data.train.x, 0);
    check(records[399]!, data.train.x, 399);
    // Validation = the last 20% of the training images, in order.
    check(records[400]!, data.val.x, 0);
    expect(data.val.y[0]).toBe(records[400]![0]);
    const test = await readFile(path.join(dir, "test_batch.bin"));
    expect(data.test.y[7]).toBe(test[7 * RECORD_BYTES]);
  });

  it("takes only the first N rows when asked, sharing the loaded data", async () => {
    const dir = await tinyCifar10(4);
    const full = await loadCifar10({ dataDir: dir, recordsPerBatch: TINY_RECORDS });
    const some = await loadCifar10({ dataDir: dir, recordsPerBatch: TINY_RECORDS, numTrain: 50, numVal: 20 });
    expect(some.train.n).toBe(50);
    expect(some.val.n).toBe(20);
    expect(some.train.x.buffer).toBe(full.train.x.buffer); // a view, not a copy
    await expect(loadCifar10({ dataDir: dir, recordsPerBatch: TINY_RECORDS, numTrain: 401 })).rejects.toThrow(
      /numTrain must be an integer from 1 to 400/,
    );
  });

  it("fingerprints the data: the same images wherever they are, the sizes taken, and nothing else", async () => {
    const a = await tinyCifar10(5);
    const copy = await tinyCifar10(5);
    const other = await tinyCifar10(6);
    const load = (dataDir: string, sizes: { numTrain?: number; numVal?: number } = {}) =>
      loadCifar10({ dataDir, recordsPerBatch: TINY_RECORDS, ...sizes }).then((d) => d.fingerprint);
    const fingerprint = await load(a);
    expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(await load(copy)).toBe(fingerprint);
    expect(await load(other)).not.toBe(fingerprint);
    expect(await load(a, { numTrain: 50 })).not.toBe(fingerprint);
    expect(await load(a, { numVal: 50 })).not.toBe(await load(a, { numTrain: 50 }));
    // One pixel of the test set changed: other data.
    const test = await readFile(path.join(copy, "test_batch.bin"));
    test[RECORD_BYTES - 1] = (test[RECORD_BYTES - 1]! + 1) % 256;
    const changed = await tinyCifar10(5);
    await writeFile(path.join(changed, "test_batch.bin"), test);
    expect(await load(changed)).not.toBe(fingerprint);
  });

  it("generates learnable synthetic records in the official format", () => {
    const bytes = syntheticBatch(3, () => 0.5, 0);
    expect(bytes.length).toBe(3 * RECORD_BYTES);
    expect(bytes[0]).toBe(5);
  });
});
