// The rule that bounds what a run keeps of its past epochs (weights images, epoch checkpoints).
import { describe, expect, it } from "vitest";
import { epochCheckpointPolicy, isKept, keptStride, weightsImagesKept } from "../src/epochHistory.ts";

describe("keptStride", () => {
  it("keeps every epoch while they fit, then doubles the stride; never more than the cap", () => {
    expect(keptStride(30, 32)).toBe(1); // 31 epochs and room for the latest
    expect(keptStride(31, 32)).toBe(2);
    for (const max of [2, 3, 32]) {
      for (let latest = 0; latest < 2000; latest++) {
        const kept = [...Array(latest + 1).keys()].filter((e) => isKept(e, latest, max));
        expect(kept.length).toBeLessThanOrEqual(max);
        expect(kept).toContain(latest);
        expect(kept).toContain(0);
      }
    }
  });

  it("only ever thins: an epoch dropped once is never kept again as the run goes on", () => {
    for (let epoch = 0; epoch < 300; epoch++) {
      let dropped = false;
      for (let latest = epoch; latest < 600; latest++) {
        const kept = isKept(epoch, latest, 16);
        if (dropped) expect(kept).toBe(false);
        dropped ||= !kept;
      }
    }
  });
});

describe("what a run keeps, by its size", () => {
  // A checkpoint holds D·H + H + H·C + C float32 parameters (D = 3072, C = 10).
  const parameters = (H: number) => 3072 * H + H + H * 10 + 10;

  it("checkpoints every epoch up to 2 MiB, 32 of them at the default H = 36, none past the 64 MiB budget for 2", () => {
    expect(epochCheckpointPolicy(parameters(36))).toEqual({ kept: 32, everyEpoch: true });
    expect(epochCheckpointPolicy(parameters(512))).toEqual({ kept: 10, everyEpoch: false });
    expect(epochCheckpointPolicy(parameters(2048)).kept).toBe(2);
    expect(epochCheckpointPolicy(parameters(4096)).kept).toBe(0);
  });

  it("weights images: 32 at the default H = 36 (197 × 197 pixels), fewer for larger grids", () => {
    expect(weightsImagesKept(197 * 197)).toBe(32);
    expect(weightsImagesKept(758 * 758)).toBe(9); // H = 512
    expect(weightsImagesKept(3000 * 3000)).toBe(0);
  });
});
