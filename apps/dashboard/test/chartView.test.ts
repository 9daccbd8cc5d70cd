// The chart view as a URL keeps it: what a link says comes back the same, defaults stay out of the
// link, and a malformed value is ignored rather than drawn.
import { describe, expect, it } from "vitest";
import { chartViewQuery, DEFAULT_VIEW, parseChartView, spansDecades, withChartView } from "@/lib/charts/chartView";

describe("chart view in the URL", () => {
  it("round-trips smoothing, log and zoom, next to the page's own parameters", () => {
    const params = withChartView(new URLSearchParams("ids=a,b"), { smoothing: 0.6, log: true, zoom: [12.34, 56.78] });
    expect(params.toString()).toBe("ids=a%2Cb&smooth=0.6&log=1&zoom=12.3-56.8");
    expect(parseChartView(params)).toEqual({ smoothing: 0.6, log: true, zoom: [12.3, 56.8] });
    expect(parseChartView(new URLSearchParams("log=0")).log).toBe(false);
  });

  it("leaves the defaults out, and removes what is set back to them", () => {
    expect(withChartView(new URLSearchParams("ids=a"), DEFAULT_VIEW).toString()).toBe("ids=a");
    const reset = withChartView(new URLSearchParams("smooth=0.5&log=1&zoom=0-50"), {
      smoothing: 0,
      log: null,
      zoom: [0, 100],
    });
    expect(reset.toString()).toBe("");
  });

  it("carries the view alone to another address of the page", () => {
    expect(chartViewQuery(new URLSearchParams("ids=a,b&study=Capacity&smooth=0.6&zoom=20-60"))).toBe(
      "smooth=0.6&zoom=20-60",
    );
    expect(chartViewQuery(new URLSearchParams("ids=a,b"))).toBe("");
  });

  it("ignores malformed values", () => {
    for (const query of ["smooth=lots&log=yes&zoom=50-20", "zoom=a-b", "zoom=-5-20", "zoom=10", "zoom=10-120"])
      expect(parseChartView(new URLSearchParams(query)), query).toEqual(DEFAULT_VIEW);
    expect(parseChartView(new URLSearchParams("smooth=7")).smoothing).toBe(0.99);
  });
});

describe("spansDecades", () => {
  it("is true when the positive, finite losses span over three decades", () => {
    expect(spansDecades([2.3, 1.1, 0.9])).toBe(false);
    expect(spansDecades([2.3, 5e4, Number.NaN, 0, -1])).toBe(true);
    expect(spansDecades([])).toBe(false);
  });
});
