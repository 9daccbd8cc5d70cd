// Which trainer can train a run: its training set, its memory, and on a GPU the largest buffer the
// device makes. WebGPU does not fail an op whose buffer is over the limit; it reads zeros, so a run
// whose step needs one trained on zeros until the fit check refused it.
import { DEFAULT_HYPERPARAMETERS } from "@trainql/nn/hyperparameters";
import { describe, expect, it } from "vitest";
import { fitProblems, type TrainerCapacity } from "../src/trainerFleet.ts";

const GiB = 2 ** 30;
const trainer = (backend: string, maxBufferBytes: number | null): TrainerCapacity => ({
  id: "t",
  backend,
  memoryBytes: BigInt(64 * GiB),
  maxBufferBytes: maxBufferBytes === null ? null : BigInt(maxBufferBytes),
  numTrain: 49_000,
});
const hp = (hiddenSize: number, batchSize: number) => ({ ...DEFAULT_HYPERPARAMETERS, hiddenSize, batchSize });

describe("a GPU trainer's largest buffer", () => {
  it("refuses a step whose hidden activations are over it, naming batchSize and the sizes that fit", () => {
    // 40,000 × 8,192 floats: 1.22 GiB, over SwiftShader's 1 GiB (an H200 binds 2 GiB).
    expect(fitProblems(trainer("webgpu", GiB), hp(8192, 40_000))).toEqual([
      {
        path: ["batchSize"],
        whole: true,
        message:
          "a step on a webgpu trainer holds the minibatch's hidden activations (batchSize × hiddenSize) in one GPU buffer, 1.22 GiB, and its GPU takes at most 1.00 GiB in one: lower batchSize to 32,768 or hiddenSize to 6,710",
      },
    ]);
    expect(fitProblems(trainer("webgpu", 2 * GiB), hp(8192, 40_000))).toEqual([]);
    expect(fitProblems(trainer("webgpu", GiB), hp(8192, 32_768))).toEqual([]);
  });

  it("names hiddenSize when W1 is the buffer over it, and the batch size for the minibatch", () => {
    // W1 at H = 8,192 is 96 MiB; the minibatch of 10,000 rows 117 MiB.
    const small = 64 * 2 ** 20;
    expect(fitProblems(trainer("webgpu", small), hp(8192, 100))[0]).toMatchObject({
      path: ["hiddenSize"],
      message: expect.stringMatching(
        /holds W1 \(3,072 × hiddenSize\) in one GPU buffer, 96\.0 MiB.*: lower hiddenSize to 5,461$/,
      ),
    });
    // The activations the largest, but W1 over the limit too: only a smaller hidden layer fits both.
    expect(fitProblems(trainer("webgpu", small), hp(8192, 4000))[0]).toMatchObject({
      path: ["hiddenSize"],
      message: expect.stringMatching(/holds the minibatch's hidden activations .*: lower hiddenSize to 4,194$/),
    });
    expect(fitProblems(trainer("webgpu", small), hp(4194, 4000))).toEqual([]);
    expect(fitProblems(trainer("webgpu", small), hp(16, 10_000))[0]).toMatchObject({
      path: ["batchSize"],
      message: expect.stringMatching(/holds the minibatch \(batchSize × 3,072\) .*: lower batchSize to 5,461$/),
    });
  });

  it("does not bind a CPU trainer, whose steps go in slices", () => {
    expect(fitProblems(trainer("wasm", null), hp(8192, 40_000))).toEqual([]);
    // (Nor a CPU trainer that registered a limit some other way.)
    expect(fitProblems(trainer("wasm", GiB), hp(8192, 40_000))).toEqual([]);
  });
});
