// What the dashboard prints: chart numbers, accuracy axes and counts (form messages: forms.test.ts).
import { describe, expect, it } from "vitest";
import { accuracyChartOption } from "@/lib/accuracyChart";
import { compactNumber } from "@/lib/compactNumber";
import { plural } from "@/lib/plural";

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
