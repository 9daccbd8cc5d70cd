// What the dashboard prints: chart numbers, accuracy axes and colour scales, counts, a seed group's
// members, a sweep's trials, durations, hyperparameters and a reproduction's verdict (form messages:
// forms.test.ts).
import { describe, expect, it } from "vitest";
import { accuracyChartOption } from "@/lib/charts/accuracyChart";
import { accuracyScale } from "@/lib/charts/accuracyScale";
import { memberProgress } from "@/lib/groups/groups";
import { type Verdict, verdictWords } from "@/lib/runs/reproduction";
import { trialsText } from "@/lib/sweeps/sweeps";
import { axisTick, compactNumber, pointedNumber } from "@/lib/text/compactNumber";
import { duration } from "@/lib/text/duration";
import { hyperparameterText } from "@/lib/text/hyperparameterText";
import { plural } from "@/lib/text/plural";
import type { RunStatus } from "@/lib/types";

describe("compactNumber", () => {
  it("prints a diverged loss and log-axis ticks short", () => {
    expect(compactNumber(2.4999999999999997e35)).toBe("2.5e35");
    expect(compactNumber(0.000001)).toBe("1e-6");
    expect(compactNumber(1e-5)).toBe("1e-5");
    expect(compactNumber(0.95)).toBe("0.95");
    expect(compactNumber(2.3456)).toBe("2.35");
    expect(compactNumber(128)).toBe("128");
    expect(compactNumber(0)).toBe("0");
    expect(compactNumber(Number.POSITIVE_INFINITY)).toBe("Infinity");
    expect(compactNumber(9999.7)).toBe("1e4"); // (rounded first: not "10000")
  });

  it("tells a narrow axis's ticks apart", () => {
    const ticks = [1.9975, 2, 2.0025, 2.005];
    expect(ticks.map(compactNumber)).toEqual(["2", "2", "2", "2"]); // (why not three digits)
    expect(ticks.map(axisTick)).toEqual(["1.9975", "2", "2.0025", "2.005"]);
    expect(axisTick(0.1 + 0.2)).toBe("0.3");
    expect(axisTick(1.5e-5)).toBe("1.5e-5");
    expect(axisTick(123456)).toBe("1.23456e5");
    expect(pointedNumber(Math.LN10)).toBe("2.303");
  });
});

describe("hyperparameterText", () => {
  it("prints six significant digits at most, without trailing zeros or float noise", () => {
    expect(hyperparameterText(0.01 * 0.9 ** 3)).toBe("0.00729"); // 0.007290000000000001
    expect(hyperparameterText(0.01 * 0.95 ** 3)).toBe("0.00857375"); // 0.008573749999999999
    expect(hyperparameterText(0.1 + 0.2)).toBe("0.3");
    expect(hyperparameterText(0.0025 * 0.9)).toBe("0.00225");
    expect(hyperparameterText(0.95)).toBe("0.95");
    expect(hyperparameterText(1e-7)).toBe("1e-7");
    expect(hyperparameterText(1.2345678)).toBe("1.23457");
  });

  it("prints integers exactly, grouped as counts are, but a seed as it is", () => {
    expect(hyperparameterText(1000000)).toBe("1,000,000");
    expect(hyperparameterText(8192)).toBe("8,192");
    expect(hyperparameterText(1)).toBe("1");
    expect(hyperparameterText(123456789, "seed")).toBe("123456789");
    expect(hyperparameterText(4000, "numIters")).toBe("4,000");
  });
});

describe("accuracy axes", () => {
  const axis = (values: number[]) => {
    const option = accuracyChartOption([{ name: "a", points: values.map((v, i): [number, number] => [i, v]) }]);
    return option.yAxis as { min: number; max: number; interval: number };
  };
  it("fit the data on 10% steps, with ticks that divide the range", () => {
    const { min, max, interval } = axis([0.31, 0.42, 0.47]);
    expect([min, max, interval]).toEqual([0.3, 0.5, 0.05]);
    for (const values of [
      [0.05, 0.89],
      [0.1, 0.2],
      [0.5, 1],
      [0, 0.01],
    ]) {
      const a = axis(values);
      expect(a.min).toBeLessThanOrEqual(Math.min(...values));
      expect(a.max).toBeGreaterThanOrEqual(Math.max(...values));
      expect(a.min).toBeGreaterThanOrEqual(0);
      expect(a.max).toBeLessThanOrEqual(1);
      const steps = (a.max - a.min) / a.interval;
      expect(Math.abs(steps - Math.round(steps))).toBeLessThan(1e-9);
    }
  });
  it("span 0–100% when there is nothing yet", () => {
    expect(axis([])).toMatchObject({ min: 0, max: 1 });
  });
});

describe("counts", () => {
  it("count in English", () => {
    expect(plural(1, "trial")).toBe("1 trial");
    expect(plural(2, "trial")).toBe("2 trials");
    expect(plural(1280, "iteration")).toBe("1,280 iterations");
  });
});

describe("a run's duration", () => {
  const start = "2025-01-01T00:00:00.000Z";
  const after = (ms: number) => duration(start, null, new Date(start).getTime() + ms);

  it("prints tenths of a second under a minute, then whole minutes and seconds, carried", () => {
    expect(after(42_040)).toBe("42.0 s");
    expect(after(59_960)).toBe("1 min 0 s");
    expect(after(119_600)).toBe("2 min 0 s");
    expect(after(125_400)).toBe("2 min 5 s");
    expect(duration(start, "2025-01-01T00:01:30.000Z", 0)).toBe("1 min 30 s");
    expect(duration(null, null, 0)).toBe("—");
  });
});

describe("a reproduction's verdict", () => {
  const notYet: Verdict = {
    identical: null,
    firstDifferenceIteration: null,
    firstDifference: null,
    maxAbsDifference: null,
    finalParametersIdentical: null,
    sameBackend: null,
    originalBackend: "wasm",
    originalDevice: "cpu",
  };

  it("waits while the reproduction can still succeed", () => {
    for (const status of ["QUEUED", "RUNNING", "SUCCEEDED"] as const)
      expect(verdictWords(notYet, status)).toEqual({
        text: "reproduction: compared when it finishes",
        kind: "pending",
      });
  });

  it("says a reproduction that ended otherwise was not compared, and why", () => {
    expect(verdictWords(notYet, "FAILED")).toEqual({
      text: "reproduction not compared: it FAILED, and only a SUCCEEDED one is",
      kind: "not-compared",
    });
    expect(verdictWords(notYet, "CANCELLED").text).toBe(
      "reproduction not compared: it CANCELLED, and only a SUCCEEDED one is",
    );
  });

  it("calls it bit-identical only when the final parameters are too, which no loss shows", () => {
    const sameLosses = { ...notYet, identical: true, maxAbsDifference: 0 };
    const words = (finalParametersIdentical: boolean | null) =>
      verdictWords({ ...sameLosses, finalParametersIdentical }, "SUCCEEDED");
    expect(words(true)).toEqual({ text: "reproduced bit-identically", kind: "same" });
    expect(words(false)).toEqual({ text: "every loss identical, but the final parameters differ", kind: "differs" });
    expect(words(null)).toEqual({
      text: "every loss reproduced bit-identically (final parameters not compared)",
      kind: "same",
    });
  });
});

describe("accuracyScale", () => {
  it("spans the accuracies reached, so that close ones differ and an all-chance sweep is not all best", () => {
    expect(accuracyScale([31.5, 48.2, 40])).toMatchObject({ min: 31, max: 49 });
    expect(accuracyScale([10, 10])).toMatchObject({ min: 10, max: 11 });
    expect(accuracyScale([])).toMatchObject({ min: 100, max: 101 });
  });
});

describe("memberProgress", () => {
  const members = (...statuses: RunStatus[]) => statuses.map((status) => ({ status }));
  it("says how many seeds the mean is over, and what became of the others", () => {
    expect(memberProgress(members("SUCCEEDED", "SUCCEEDED", "SUCCEEDED"))).toBe("3 of 3 seeds finished");
    // Every member diverged: the accuracies read "—", and this says why.
    expect(memberProgress(members("FAILED", "FAILED"))).toBe("0 of 2 seeds finished, 2 failed");
    // Queued is not training: with no trainer up, nothing is.
    expect(memberProgress(members("SUCCEEDED", "CANCELLED", "RUNNING", "QUEUED", "QUEUED"))).toBe(
      "1 of 5 seeds finished, 1 cancelled, 1 training, 2 queued",
    );
  });
});

describe("trialsText", () => {
  it("counts a sweep's trials as its form does: with seeds, each trial's runs are one trial", () => {
    const runs = (n: number) => Array(n).fill({});
    expect(trialsText({ trials: runs(36), seeds: [1, 2, 3], groups: runs(12) })).toBe("12 trials × 3 seeds");
    expect(trialsText({ trials: runs(1), seeds: null, groups: [] })).toBe("1 trial");
    // A run deleted from a group leaves 35 runs: still 12 trials (it read 11.667).
    expect(trialsText({ trials: runs(35), seeds: [1, 2, 3], groups: runs(12) })).toBe("12 trials × 3 seeds");
  });
});
