// The chart controls, the live comparison and dark mode, in a real browser against the real stack:
// smoothing draws the reference's debiased moving average over the raw curve, log scale and zoom
// apply to the page's charts together, a link with the view in its URL opens that view cold, the
// comparison's curves grow while a run trains, the runs list keeps up with a run that changes many
// times a second and catches up after an API outage, and the page follows the system's dark setting
// until the toggle overrides it — also at phone width (390 px).
import { expect, type Locator, type Page, test } from "@playwright/test";
import { graphql, type ResultOf } from "@trainql/graphql";
import { debiasedEmaReference } from "../../apps/dashboard/test/smoothingReference.ts";
import { control, gql, shot, until } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

const RUN = graphql(`query ChartsRun($id: ID!) { run(id: $id) { id uuid status iteration epochs { epoch } } }`);
const START = graphql(`mutation ChartsStartRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const CANCEL = graphql(`mutation ChartsCancelRun($id: ID!) { cancelRun(id: $id) { id } }`);
type ApiRun = ResultOf<typeof RUN>["run"];

/** What a chart draws, as its ECharts instance (Chart.tsx puts it on the element) reports it. */
interface Drawn {
  series: { id: string; name: string; data: [number, number][] }[];
  yType: string;
  zoom: { start: number; end: number };
}
async function drawn(chart: Locator): Promise<Drawn> {
  // Chart.tsx puts the instance on the element once ECharts has mounted, after the first render: a
  // page just opened can show the element before that (seen in CI as "reading 'getOption'").
  await expect.poll(() => chart.evaluate((el) => (el as { chart?: unknown }).chart !== undefined)).toBe(true);
  return chart.evaluate((el) => {
    type Option = {
      series: { id: string; name: string; data: [number, number][] }[];
      yAxis: { type: string }[];
      dataZoom: { id: string; start: number; end: number }[];
    };
    const option = (el as HTMLElement & { chart: { getOption(): Option } }).chart.getOption();
    // The page's zoom (Chart.tsx's ZOOM_ID); the slider and the drag's own dataZoom follow it.
    const zoom = option.dataZoom.find((z) => z.id === "zoom")!;
    return {
      series: option.series.map((s) => ({ id: s.id, name: s.name, data: s.data })),
      yType: option.yAxis[0]!.type,
      zoom: { start: zoom.start, end: zoom.end },
    };
  });
}

function expectSmoothedOf(smoothedSeries: [number, number][], raw: [number, number][], w: number) {
  expect(smoothedSeries.map(([x]) => x)).toEqual(raw.map(([x]) => x));
  const want = debiasedEmaReference(
    raw.map(([, y]) => y),
    w,
  );
  for (const [i, [, y]] of smoothedSeries.entries()) expect(y).toBeCloseTo(want[i]!, 9);
}

let finished: ApiRun;
let running: ApiRun;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // One trainer takes one run at a time: the finished run first, the endless one after it.
  const { startRun } = await gql(START, {
    input: { hiddenSize: 16, numIters: 600, batchSize: 20, learningRate: 0.05, reg: 0.001 },
  });
  finished = await until("the run to finish", async () => {
    const { run } = await gql(RUN, { id: startRun.id });
    return run.status === "SUCCEEDED" && run;
  });
  const long = await gql(START, {
    input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20, learningRate: 0.05, reg: 0.001 },
  });
  running = await until("the long run to have trained two epochs", async () => {
    const { run } = await gql(RUN, { id: long.startRun.id });
    return run.status === "RUNNING" && run.epochs.length >= 2 && run;
  });
});

test.afterAll(async () => {
  if (!running) return;
  const { run } = await gql(RUN, { id: running.id });
  if (run.status === "RUNNING" || run.status === "QUEUED") await gql(CANCEL, { id: running.id });
});

/** The run page of the finished run, its loss curve loaded. */
/** A mouse drag across the middle of a chart's plot, from 35% to 65% of its width (a zoom on a desktop). */
async function dragAcross(page: Page, chart: Locator) {
  const box = (await chart.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.35, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, y, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.65, y, { steps: 5 });
  await page.mouse.up();
}

/** The contrast ratio of an element's text colour against its background (WCAG 2's formula). */
async function contrastOf(element: Locator): Promise<number> {
  const [fg, bg] = await element.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]);
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb
      .match(/\d+(\.\d+)?/g)!
      .slice(0, 3)
      .map((c) => {
        const v = Number(c) / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const [light, dark] = [luminance(fg!), luminance(bg!)].sort((a, b) => b - a);
  return (light! + 0.05) / (dark! + 0.05);
}

async function openFinished(page: Page, query = "") {
  await page.goto(`/runs/${finished.uuid}${query}`);
  await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED");
  const loss = page.getByTestId("chart-loss");
  await expect.poll(async () => (await drawn(loss)).series[0]?.data.length ?? 0).toBeGreaterThan(100);
  return { loss, accuracy: page.getByTestId("chart-accuracy") };
}

test("the smoothing slider draws the debiased moving average over the faint raw curve, and the URL keeps it", async ({
  page,
}) => {
  const { loss, accuracy } = await openFinished(page);
  const before = await drawn(loss);
  expect(before.series.map((s) => s.id)).toEqual(["loss"]);
  const raw = before.series[0]!.data;

  await page.getByLabel("Smoothing").fill("0.8");
  await expect(page.getByTestId("smoothing-value")).toHaveText("0.80");
  await expect.poll(async () => (await drawn(loss)).series.map((s) => s.id)).toEqual(["loss:smoothed", "loss:raw"]);
  const after = await drawn(loss);
  expect(after.series[1]!.data).toEqual(raw);
  expectSmoothedOf(after.series[0]!.data, raw, 0.8);
  // The accuracy chart of the same page is smoothed too, each of its curves.
  const acc = await drawn(accuracy);
  expect(acc.series.map((s) => s.id)).toEqual(["train:smoothed", "train:raw", "val:smoothed", "val:raw"]);
  expectSmoothedOf(acc.series[2]!.data, acc.series[3]!.data, 0.8);
  await expect(page).toHaveURL(/[?&]smooth=0\.8(&|$)/);
  await shot(page, "60-charts-smoothing");
});

test("log scale applies to the loss chart only; a drag zooms every chart of the page, a double-click resets", async ({
  page,
}) => {
  const { loss, accuracy } = await openFinished(page);
  expect((await drawn(loss)).yType).toBe("value");
  await page.getByLabel("Log scale (loss)").check();
  await expect.poll(async () => (await drawn(loss)).yType).toBe("log");
  expect((await drawn(accuracy)).yType).toBe("value");
  await expect(page).toHaveURL(/[?&]log=1(&|$)/);
  await shot(page, "61-charts-log-scale");

  // Drag across the middle of the loss chart's plot: both charts show the same part of their x axis.
  await dragAcross(page, loss);
  await expect.poll(async () => (await drawn(loss)).zoom.start).toBeGreaterThan(5);
  const zoom = (await drawn(loss)).zoom;
  expect(zoom.end).toBeLessThan(95);
  await expect.poll(async () => (await drawn(accuracy)).zoom).toEqual(zoom);
  await expect(page).toHaveURL(new RegExp(`[?&]zoom=${zoom.start.toFixed(1)}-${zoom.end.toFixed(1)}(&|$)`));
  await expect(page.getByRole("button", { name: /Reset zoom/ })).toBeVisible();
  await shot(page, "62-charts-zoom");

  await accuracy.dblclick();
  await expect.poll(async () => (await drawn(loss)).zoom).toEqual({ start: 0, end: 100 });
  await expect(page).not.toHaveURL(/zoom=/);
});

test("a link with the view in its URL opens that view cold: smoothing, log scale and zoom", async ({ browser }) => {
  // A new context: nothing cached, nothing stored; the server renders the page from the URL alone.
  const context = await browser.newContext();
  const page = await context.newPage();
  const { loss, accuracy } = await openFinished(page, "?smooth=0.7&log=1&zoom=20-60");
  await expect(page.getByLabel("Smoothing")).toHaveValue("0.7");
  await expect(page.getByLabel("Log scale (loss)")).toBeChecked();
  await expect(page.getByRole("button", { name: "Reset zoom (20–60%)" })).toBeVisible();
  const view = await drawn(loss);
  expect(view.yType).toBe("log");
  expect(view.zoom).toEqual({ start: 20, end: 60 });
  expectSmoothedOf(view.series[0]!.data, view.series[1]!.data, 0.7);
  expect((await drawn(accuracy)).zoom).toEqual({ start: 20, end: 60 });
  await shot(page, "63-charts-view-from-url");
  await context.close();
});

test("picking other runs on the comparison keeps its view in the address: smoothing and zoom", async ({ page }) => {
  // A third run to compare (it waits in the queue behind the running one; cancelled at the end). The
  // page starts without the running run: a comparison that streams a live run's losses took 20 s to
  // over 2 min to leave for another (the navigation's render waits behind the stream's), with or
  // without the view in the address.
  const { startRun: third } = await gql(START, {
    input: { hiddenSize: 4, numIters: 20, batchSize: 20, learningRate: 0.05, reg: 0.001 },
  });
  await page.goto(`/compare?ids=${finished.uuid},${third.uuid}&smooth=0.5&zoom=20-60`);
  await expect(page.getByRole("heading", { name: "Compare 2 runs" })).toBeVisible();
  await page.getByRole("checkbox", { name: `select run ${running.uuid}` }).check();
  await page.getByRole("button", { name: "Compare 3 runs" }).click();
  await page.waitForURL((url) => url.searchParams.get("ids")?.split(",").length === 3);
  expect(new URL(page.url()).searchParams.get("smooth")).toBe("0.5");
  expect(new URL(page.url()).searchParams.get("zoom")).toBe("20-60");
  await expect(page.getByRole("heading", { name: "Compare 3 runs" })).toBeVisible();
  await gql(CANCEL, { id: third.id });
});

/** The x values a chart's zoom shows (the page's zoom is a share of the axis; these are what it is now). */
async function zoomedValues(chart: Locator): Promise<[number, number]> {
  return chart.evaluate((el) => {
    type Zoom = { id: string; startValue: number; endValue: number };
    const chart = (el as HTMLElement & { chart: { getOption(): { dataZoom: Zoom[] } } }).chart;
    const zoom = chart.getOption().dataZoom.find((z) => z.id === "zoom")!;
    return [zoom.startValue, zoom.endValue];
  });
}

test("a zoom chosen on a live run's page stays on the same iterations while the run's axis grows", async ({ page }) => {
  await page.goto(`/runs/${running.uuid}`);
  const loss = page.getByTestId("chart-loss");
  await expect.poll(() => lastIterationDrawn(loss), { timeout: 60_000 }).toBeGreaterThan(100);
  // The drag, with the trainer frozen, so the page holds still under the mouse.
  await control("pause-trainer");
  let from: number;
  let to: number;
  try {
    await page.waitForTimeout(500);
    await loss.scrollIntoViewIfNeeded();
    // Once in CI this drag did not zoom (a zoom from 0.003%), for a reason not found: a redraw mid-drag
    // does not end it (tried: held across events, it zooms). A user would drag again; so does this.
    await expect(async () => {
      // (From the whole axis each time: a drag that went wrong may have left a zoom of its own.)
      if ((await drawn(loss)).zoom.start > 0) await loss.dblclick();
      await expect.poll(async () => (await drawn(loss)).zoom.start).toBe(0);
      await dragAcross(page, loss);
      await expect.poll(async () => (await drawn(loss)).zoom.start, { timeout: 2_000 }).toBeGreaterThan(5);
    }).toPass({ timeout: 20_000 });
    [from, to] = await zoomedValues(loss);
  } finally {
    await control("resume-trainer");
  }
  // Until the run has trained a twentieth more: as a share of the axis, the view slid along with it.
  const last = await lastIterationDrawn(loss);
  await expect.poll(() => lastIterationDrawn(loss), { timeout: 60_000 }).toBeGreaterThan(last * 1.05);
  const [fromNow, toNow] = await zoomedValues(loss);
  expect(fromNow).toBeCloseTo(from, 0);
  expect(toNow).toBeCloseTo(to, 0);
});

/** The last iteration a loss chart draws, over all its curves. */
async function lastIterationDrawn(chart: Locator): Promise<number> {
  const { series } = await drawn(chart);
  return Math.max(0, ...series.flatMap((s) => s.data.map(([it]) => it)));
}

test("the comparison updates live: the running run's loss curve grows and its epochs arrive without a reload", async ({
  page,
}) => {
  await page.goto(`/compare?ids=${finished.uuid},${running.uuid}`);
  const loss = page.getByTestId("chart-loss");
  const lastIteration = () => lastIterationDrawn(loss);
  // The finished run stops at 600 iterations; the running one goes past it and keeps going.
  await expect.poll(lastIteration, { timeout: 60_000 }).toBeGreaterThan(600);
  const before = await lastIteration();
  const row = page.locator(`tr[data-run-id="${running.uuid}"]`);
  const epochs = async () => Number(await row.getAttribute("data-epochs"));
  const epochsBefore = await epochs();
  await expect.poll(lastIteration, { timeout: 60_000 }).toBeGreaterThan(before);
  await expect.poll(epochs, { timeout: 60_000 }).toBeGreaterThan(epochsBefore);
  expect((await drawn(loss)).series).toHaveLength(2);
  await shot(page, "64-compare-live");
});

/** Clicks a chart's legend entry `name` where ECharts drew it (the legend is drawn on the canvas). */
async function clickLegend(page: Page, chart: Locator, name: string) {
  await chart.scrollIntoViewIfNeeded();
  const at = await chart.evaluate((el, name) => {
    type Rect = { x: number; y: number; width: number; height: number; applyTransform(m: unknown): void };
    type Shape = { style?: { text?: string }; getBoundingRect(): { clone(): Rect }; getComputedTransform(): unknown };
    const zr = (el as HTMLElement & { chart: { getZr(): { storage: { getDisplayList(): Shape[] } } } }).chart.getZr();
    const text = zr.storage.getDisplayList().find((s) => s.style?.text === name);
    if (!text) return null;
    const rect = text.getBoundingRect().clone();
    rect.applyTransform(text.getComputedTransform());
    return { x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 };
  }, name);
  if (!at) throw new Error(`no legend entry ${name}`);
  const box = (await chart.boundingBox())!;
  await page.mouse.click(box.x + at.x, box.y + at.y);
}

test("a curve hidden from the comparison's legend stays hidden while live updates redraw the chart", async ({
  page,
}) => {
  await page.goto(`/compare?ids=${finished.uuid},${running.uuid}`);
  const loss = page.getByTestId("chart-loss");
  const lastIteration = () => lastIterationDrawn(loss);
  await expect.poll(async () => (await drawn(loss)).series.length).toBe(2);
  const hidden = (await drawn(loss)).series[0]!.name;
  const selected = () =>
    loss.evaluate((el) => {
      type Option = { legend: { selected?: Record<string, boolean> }[] };
      return (el as HTMLElement & { chart: { getOption(): Option } }).chart.getOption().legend[0]?.selected ?? {};
    });
  // Clicked again until it takes: the page's run picker fills in above the charts as its list
  // arrives, and a click aimed before that lands where the legend was (CI saw it miss once).
  await expect(async () => {
    if ((await selected())[hidden] !== false) await clickLegend(page, loss, hidden);
    expect(await selected()).toMatchObject({ [hidden]: false });
  }).toPass({ timeout: 30_000 });
  // Redrawn with the running run's new losses, more than once: still hidden.
  for (let i = 0; i < 2; i++) {
    const before = await lastIteration();
    await expect.poll(lastIteration, { timeout: 60_000 }).toBeGreaterThan(before);
  }
  expect(await selected()).toMatchObject({ [hidden]: false });
  await shot(page, "64-compare-live-legend");
});

test("the runs list keeps refreshing while a run trains, though the run changes faster than the list refreshes", async ({
  page,
}) => {
  // The long run sends runsChanged with every epoch, on this tiny data set several a second. The list
  // once waited for a 500 ms pause in those changes before it refreshed: while the run trained, it
  // never did. What this test stands on, the run's pace, is noted with the result.
  const epochsNow = async () => (await gql(RUN, { id: running.id })).run.epochs.length;
  const start = await epochsNow();
  await new Promise((r) => setTimeout(r, 2000));
  test.info().annotations.push({ type: "pace", description: `${(await epochsNow()) - start} epochs in 2 s` });

  await page.goto("/");
  const row = page.locator(`tr[data-run-id="${running.uuid}"]`);
  await expect(row.getByTestId("run-status")).toHaveText("RUNNING");
  const trained = async () =>
    Number((await row.getByTestId("iterations").textContent())!.split(" / ")[0]!.replace(/,/g, ""));
  // Three refreshes in a row, without a reload, each within a few seconds.
  let seen = await trained();
  for (let i = 0; i < 3; i++) {
    await expect.poll(trained, { timeout: 10_000 }).toBeGreaterThan(seen);
    seen = await trained();
  }
  await expect(row.getByTestId("run-status")).toHaveText("RUNNING");
});

test("the runs list catches up after the API's WebSocket reconnects, though nothing changes after", async ({
  page,
}) => {
  // runsChanged sends only changes: those made while the API was away reach no page, and a list that
  // waited for the next one showed the run as it was before the outage. The trainer writes to the
  // database, not through the API, so it trains on through the outage; then it is frozen, so that no
  // change after the reconnection brings the list up to date instead. (Frozen for seconds: a trainer
  // unheard of for TRAINER_TIMEOUT_MS, 15 s, loses its run to the API's reaper.)
  await page.goto("/");
  const row = page.locator(`tr[data-run-id="${running.uuid}"]`);
  await expect(row.getByTestId("run-status")).toHaveText("RUNNING");
  const trained = async () =>
    Number((await row.getByTestId("iterations").textContent())!.split(" / ")[0]!.replace(/,/g, ""));

  let apiDown = true;
  await control("stop-api");
  try {
    await expect(page.getByText("Connection to the API lost")).toBeVisible();
    await new Promise((r) => setTimeout(r, 2000));
    const shown = await trained();
    await control("pause-trainer");
    try {
      await control("start-api");
      apiDown = false;
      const { run } = await until(
        "the API to answer again",
        () => gql(RUN, { id: running.id }).catch(() => false),
        60_000,
      );
      expect(run.iteration).toBeGreaterThan(shown);
      await expect.poll(trained, { timeout: 10_000 }).toBe(run.iteration);
    } finally {
      await control("resume-trainer");
    }
  } finally {
    if (apiDown) await control("start-api");
  }
  await expect(row.getByTestId("run-status")).toHaveText("RUNNING");
  await expect.poll(trained, { timeout: 10_000 }).toBeGreaterThan((await gql(RUN, { id: running.id })).run.iteration);
});

test("dark mode follows the system setting, the toggle overrides it and is remembered, the charts follow", async ({
  browser,
}) => {
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await openFinished(page);
  expect(await background()).toBe("rgb(17, 20, 24)");
  await expect(page.getByTestId("chart-loss")).toHaveAttribute("data-theme", "dark");
  const toggle = page.getByRole("button", { name: "Dark mode" });
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  // A button's label reads against its colour (WCAG AA, 4.5:1); white on the dark theme's light blue
  // was 2.7:1, and the buttons looked disabled.
  expect(await contrastOf(page.getByRole("button", { name: "Reproduce" }))).toBeGreaterThanOrEqual(4.5);
  await shot(page, "65-dark-mode");

  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  expect(await background()).toBe("rgb(247, 248, 250)");
  await expect(page.getByTestId("chart-loss")).toHaveAttribute("data-theme", "light");
  // Remembered over the system's setting, from the first paint on.
  await page.reload();
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("light");
  await expect(toggle).toHaveAttribute("aria-pressed", "false");
  await shot(page, "66-dark-mode-toggled-light");
  await context.close();

  const light = await browser.newContext({ colorScheme: "light" });
  const lightPage = await light.newPage();
  await lightPage.goto("/");
  expect(await lightPage.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe(
    "rgb(247, 248, 250)",
  );
  await light.close();
});

test("charts side by side shrink with the window: their column gives way and they redraw to its width", async ({
  page,
}) => {
  await page.setViewportSize({ width: 1400, height: 900 });
  const { loss, accuracy } = await openFinished(page);
  const widthOf = (chart: Locator) => chart.evaluate((el) => Math.round(el.querySelector("canvas")!.clientWidth));
  const wide = await widthOf(loss);
  // Narrower, still two columns (one below 900 px).
  await page.setViewportSize({ width: 960, height: 900 });
  await expect.poll(() => widthOf(loss)).toBeLessThan(wide);
  for (const chart of [loss, accuracy]) {
    const card = chart.locator("xpath=ancestor::div[contains(@class, 'card')][1]");
    await expect.poll(async () => (await widthOf(chart)) <= (await card.evaluate((el) => el.clientWidth))).toBe(true);
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(960);
});

test("on a touch screen a drag across a chart does not zoom it: the swipe is left to scroll the page", async ({
  browser,
}) => {
  // The drag-to-zoom select takes every press on the plot, a finger's too, so a swipe there could
  // not scroll the page. For a coarse pointer it is off (the slider under the plot still zooms).
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  const { loss } = await openFinished(page);
  expect(await page.evaluate(() => window.matchMedia("(pointer: coarse)").matches)).toBe(true);
  await loss.scrollIntoViewIfNeeded();
  // The drag that zooms on a desktop (see above).
  await dragAcross(page, loss);
  await page.waitForTimeout(1000);
  expect((await drawn(loss)).zoom).toEqual({ start: 0, end: 100 });
  await expect(page).not.toHaveURL(/zoom=/);
  await context.close();
});

test("at phone width (390 px) the controls and charts fit, in dark mode too", async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: "dark", viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  for (const [path, name] of [
    [`/runs/${finished.uuid}?smooth=0.6&log=1`, "67-phone-run-charts"],
    [`/compare?ids=${finished.uuid},${running.uuid}&smooth=0.6`, "68-phone-compare-charts"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByLabel("Smoothing")).toBeVisible();
    await expect(page.getByLabel("Log scale (loss)")).toBeVisible();
    await expect(page.getByTestId("chart-loss").locator("canvas").first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    await shot(page, name);
  }
  await context.close();
});

test("at phone width a comparison's legends wrap: every run's name drawn in full, above the plot", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/compare?ids=${finished.uuid},${running.uuid}`);
  for (const name of ["loss", "train-accuracy", "val-accuracy"]) {
    const chart = page.getByTestId(`chart-${name}`);
    await expect.poll(async () => (await drawn(chart)).series.length).toBeGreaterThanOrEqual(2);
    // As ECharts drew it: each legend name's text box, the plot's top, the chart's width.
    const layout = await chart.evaluate((el) => {
      type Box = { x: number; y: number; width: number; height: number; applyTransform(m: unknown): void };
      type Shape = { style?: { text?: string }; getBoundingRect(): { clone(): Box }; getComputedTransform(): unknown };
      type Instance = {
        getOption(): { series: { name: string }[] };
        getWidth(): number;
        getZr(): { storage: { getDisplayList(): Shape[] } };
        getModel(): { getComponent(type: string): { coordinateSystem: { getRect(): { y: number } } } };
      };
      const instance = (el as HTMLElement & { chart: Instance }).chart;
      const names = [...new Set(instance.getOption().series.map((s) => s.name))];
      const texts = instance.getZr().storage.getDisplayList();
      const boxes = names.map((name) => {
        const text = texts.find((s) => s.style?.text === name);
        if (!text) return { name, drawn: false, right: 0, bottom: 0 };
        const box = text.getBoundingRect().clone();
        box.applyTransform(text.getComputedTransform());
        return { name, drawn: true, right: box.x + box.width, bottom: box.y + box.height };
      });
      return {
        boxes,
        width: instance.getWidth(),
        plotTop: instance.getModel().getComponent("grid").coordinateSystem.getRect().y,
      };
    });
    expect(layout.boxes).toHaveLength(2);
    for (const box of layout.boxes) {
      // (A paged legend left the second name off its page, or cut it: "hidden 16, lr ◀ 1/2 ▶".)
      expect(box.drawn, `${name}: ${box.name}`).toBe(true);
      expect(box.right, `${name}: ${box.name}`).toBeLessThanOrEqual(layout.width);
      expect(box.bottom, `${name}: ${box.name}`).toBeLessThanOrEqual(layout.plotTop);
    }
  }
  await shot(page, "68-phone-compare-legends");
});
