// The CIFAR-10 reader under random truncation and corruption: a clear Cifar10DataError or valid
// data, never another exception, never a hang.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempDir } from "./fixtures.ts";
import { Cifar10DataError, NUM_CLASSES, RECORD_BYTES, readBatch, syntheticBatch } from "./nn.ts";

const RECORDS = 20;

describe("CIFAR-10 reader fuzz", () => {
  it("truncated or corrupted files give a clear error or valid data", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "data_batch_1.bin");
    const original = syntheticBatch(RECORDS, () => 0.37, 10);
    const damage = fc.record({
      cut: fc.option(fc.integer({ min: 0, max: RECORDS * RECORD_BYTES + 10 }), { nil: undefined }),
      writes: fc.array(fc.record({ at: fc.nat(RECORDS * RECORD_BYTES - 1), value: fc.integer({ min: 0, max: 255 }) }), {
        maxLength: 8,
      }),
    });
    await fc.assert(
      fc.asyncProperty(damage, async ({ cut, writes }) => {
        let bytes = Uint8Array.from(original);
        for (const w of writes) bytes[w.at] = w.value;
        if (cut !== undefined) {
          const grown = new Uint8Array(cut);
          grown.set(bytes.subarray(0, Math.min(cut, bytes.length)));
          bytes = grown;
        }
        await writeFile(file, bytes);
        const outcome = await readBatch(file, RECORDS).then(
          (batch) => ({ batch }),
          (error: unknown) => ({ error }),
        );
        const badLabel = Array.from({ length: RECORDS }, (_, r) => bytes[r * RECORD_BYTES] ?? 0).some(
          (l) => l >= NUM_CLASSES,
        );
        if (bytes.length !== RECORDS * RECORD_BYTES || badLabel) {
          expect("error" in outcome).toBe(true);
          const error = (outcome as { error: unknown }).error;
          expect(error).toBeInstanceOf(Cifar10DataError);
          expect((error as Error).message).toContain(file);
        } else {
          expect("batch" in outcome).toBe(true);
          expect((outcome as { batch: { count: number } }).batch.count).toBe(RECORDS);
        }
      }),
      { numRuns: 200, seed: 11 },
    );
  });
});
