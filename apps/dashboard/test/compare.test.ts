// How compared curves are told apart: by what differs between the runs, and never by a label two
// runs share (a chart keys its series by name; ECharts throws on a repeated series id).
import { DEFAULT_HYPERPARAMETERS } from "@trainql/nn/hyperparameters";
import { describe, expect, it } from "vitest";
import { applyComparedRunEvent, type ComparedRun } from "@/lib/compare/comparedRun";
import { selectedIds } from "@/lib/compare/compareSelection";
import { curveLabels } from "@/lib/compare/differences";

const run = (uuid: string, changes: Partial<typeof DEFAULT_HYPERPARAMETERS> = {}) => ({
  uuid,
  hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...changes },
});

describe("curve labels", () => {
  it("name what differs between the runs, or each run's short id when nothing does", () => {
    expect(curveLabels([run("aaaaaaaa-1", { learningRate: 0.1 }), run("bbbbbbbb-2", { learningRate: 0.2 })])).toEqual([
      "lr 0.1",
      "lr 0.2",
    ]);
    expect(curveLabels([run("aaaaaaaa-1"), run("bbbbbbbb-2")])).toEqual(["aaaaaaaa", "bbbbbbbb"]);
  });

  it("print a computed rate without float noise (a fork's parent rate, decayed)", () => {
    expect(curveLabels([run("aaaaaaaa-1", { learningRate: 0.01 * 0.9 ** 3 }), run("bbbbbbbb-2")])).toEqual([
      "lr 0.00729",
      `lr ${DEFAULT_HYPERPARAMETERS.learningRate}`,
    ]);
  });

  it("add the short id where two runs share every setting that differs (a run and its reproduction)", () => {
    const labels = curveLabels([
      run("aaaaaaaa-1", { learningRate: 0.1 }),
      run("bbbbbbbb-2", { learningRate: 0.2 }),
      run("cccccccc-3", { learningRate: 0.1 }),
    ]);
    expect(labels).toEqual(["lr 0.1 (aaaaaaaa)", "lr 0.2", "lr 0.1 (cccccccc)"]);
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe("a comparison's selection", () => {
  it("lists each id once, in the order first listed, without empty entries", () => {
    expect(selectedIds("a,b,a,,a,c,b")).toEqual(["a", "b", "c"]);
    expect(selectedIds(undefined)).toEqual([]);
    expect(selectedIds(Array(1000).fill("a").join(","))).toEqual(["a"]);
    // ?ids=a&ids=b,c: a repeated key (it crashed the page with a TypeError).
    expect(selectedIds(["a", "b,c", "a"])).toEqual(["a", "b", "c"]);
  });
});

describe("a compared run, live", () => {
  const epoch = (n: number, valAcc: number) => ({
    epoch: n,
    iteration: n * 10,
    loss: 2,
    trainAcc: valAcc,
    valAcc,
    learningRate: 0.1,
    elapsedMs: 1,
  });
  const event = (n: number, valAcc: number) => ({
    __typename: "RunEpochEvent" as const,
    cursor: "c",
    epoch: epoch(n, valAcc),
  });

  it("counts its best epoch from the epochs streamed: the API sends the run's fields only with a status", () => {
    const run = { bestValAcc: 0.3, epochs: [epoch(0, 0.3)], losses: [] } as unknown as ComparedRun;
    let live = applyComparedRunEvent(run, event(1, 0.45));
    live = applyComparedRunEvent(live, event(2, 0.4));
    expect(live.bestValAcc).toBe(0.45);
    expect(live.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
  });
});
