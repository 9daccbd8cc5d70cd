// Which trainer can train a run: its training set, its memory, and on a GPU the largest buffer the
// device makes. WebGPU does not fail an op whose buffer is over the limit; it reads zeros. A step's
// activations go in slices under it; its minibatch is one buffer, which must fit.
import { DEFAULT_HYPERPARAMETERS } from "@trainql/nn/hyperparameters";
import { describe, expect, it } from "vitest";
import {
  type DataIdentity,
  dataProblem,
  fitProblems,
  NO_DATA,
  type TrainerCapacity,
  trainersWithData,
} from "../src/trainerFleet.ts";

const GiB = 2 ** 30;
const trainer = (backend: string, maxBufferBytes: number | null): TrainerCapacity => ({
  id: "t",
  backend,
  memoryBytes: BigInt(64 * GiB),
  maxBufferBytes: maxBufferBytes === null ? null : BigInt(maxBufferBytes),
  numTrain: 49_000,
  numVal: 1_000,
  dataFingerprint: "0123456789abcdef",
});
const hp = (hiddenSize: number, batchSize: number) => ({ ...DEFAULT_HYPERPARAMETERS, hiddenSize, batchSize });

describe("a GPU trainer's largest buffer", () => {
  it("refuses a minibatch over it, naming batchSize and the most rows that fit", () => {
    // WebGPU's least: 128 MiB. 20,000 × 3,072 floats are 234 MiB.
    const least = 128 * 2 ** 20;
    expect(fitProblems(trainer("webgpu", least), hp(100, 20_000))).toEqual([
      {
        path: ["batchSize"],
        whole: true,
        message:
          "a step on a webgpu trainer holds the minibatch (batchSize × 3,072) in one GPU buffer, 234.4 MiB, and its GPU takes at most 128.0 MiB in one: lower batchSize to 10,922",
      },
    ]);
    expect(fitProblems(trainer("webgpu", least), hp(100, 10_922))).toEqual([]);
  });

  it("admits a step whose activations are over it, which goes in slices", () => {
    // 40,000 × 8,192 activations: 1.22 GiB, over SwiftShader's 1 GiB; the minibatch, 469 MiB, is not.
    expect(fitProblems(trainer("webgpu", GiB), hp(8192, 40_000))).toEqual([]);
    // And its memory is judged by the slices: 32,768 rows' activations, not 40,000.
    const gpu = { ...trainer("webgpu", GiB), memoryBytes: BigInt(6 * GiB) };
    expect(fitProblems(gpu, hp(8192, 40_000))).toEqual([]);
    expect(fitProblems({ ...gpu, maxBufferBytes: BigInt(2 * GiB) }, hp(8192, 40_000))[0]).toMatchObject({
      path: ["hiddenSize"],
      message: expect.stringMatching(/^this run needs about 6\.55 GiB .* activations 4\.89 GiB/),
    });
  });

  it("does not bind a CPU trainer, whose steps go in slices", () => {
    expect(fitProblems(trainer("wasm", null), hp(8192, 40_000))).toEqual([]);
    // (Nor a CPU trainer that registered a limit some other way.)
    expect(fitProblems(trainer("wasm", 128 * 2 ** 20), hp(8192, 40_000))).toEqual([]);
  });
});

describe("a run's data set", () => {
  const data = { dataFingerprint: "0123456789abcdef", numTrain: 49_000, numVal: 1_000 };
  it("is any trainer's until the run has trained, then only a trainer with the same one goes on with it", () => {
    const none = { dataFingerprint: null, numTrain: null, numVal: null };
    expect(dataProblem(data, none)).toBeUndefined();
    expect(dataProblem(data, data)).toBeUndefined();
    expect(dataProblem({ ...data, dataFingerprint: "fedcba9876543210", numTrain: 400 }, data)).toBe(
      "no live trainer has this run's data: it trains on data set 0123456789abcdef (49,000 training, 1,000 validation images), and this trainer has data set fedcba9876543210 (400 training, 1,000 validation images): start a trainer whose CIFAR10_DIR holds that data, then fork the run from a kept epoch, or start it anew",
    );
    expect(dataProblem(none, data)).toMatch(/and this trainer has no data set: /);
  });

  it("is what the trainers that can go on with a run are chosen by, and one that has none goes on with nothing", () => {
    const same = { ...trainer("wasm", null), id: "same" };
    const other = { ...trainer("webgpu", GiB), id: "other", dataFingerprint: "fedcba9876543210", numTrain: 400 };
    const empty = { ...trainer("wasm", null), id: "empty", ...NO_DATA };
    const fleet = [same, other, empty];
    const ids = (run: DataIdentity) => trainersWithData(fleet, run).map((t) => t.id);
    expect(ids(NO_DATA)).toEqual(["same", "other"]);
    expect(ids(data)).toEqual(["same"]);
    expect(ids({ ...data, dataFingerprint: "0000000000000000" })).toEqual([]);
  });
});
