// Every page opened the way a shared link or a reload opens it — by URL, rendered on the server and
// then hydrated — for a finished run, a running run, a sweep and a comparison: no console error, no
// failed request, the weights images load, the numbers are the API's; unknown and malformed ids get
// the not-found page with status 404; and at phone width (390 px) no page is wider than the screen.
import { expect, type Page, test } from "@playwright/test";
import { graphql, type ResultOf } from "@trainql/graphql";
import { API_PORT } from "../playwright.config.ts";
import { API_ORIGIN, control, gql, rewrittenEvents, shot, until } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

const percent = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(2)}%`);

const RUN = graphql(
  `query ApiRun($id: ID!) {
    run(id: $id) { id uuid status finalValAcc bestValAcc valConfusion { classAccuracy } epochs { epoch } }
  }`,
);
const START = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const SWEEP = graphql(
  `query ApiSweep($id: ID!) { sweep(id: $id) { uuid status bestRun { finalValAcc bestValAcc testAcc } } }`,
);
const CANCEL = graphql(`mutation CancelRun($id: ID!) { cancelRun(id: $id) { id } }`);
type ApiRun = ResultOf<typeof RUN>["run"];

/** Console errors, uncaught exceptions and failed requests (HTTP ≥ 400 or a network failure) of a page. */
function watch(page: Page) {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`exception: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  page.on("requestfailed", (r) => {
    // A reload abandons whatever the old page still had in flight; that is not a failure of the page.
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return problems;
}

/**
 * Each image shows a decoded picture. (Not `complete`: a running run's image changes with its epochs,
 * and while the next one loads the last one still shows, with `complete` false. Under CI's load its
 * epochs came faster than the polls caught an image between two loads, for 30 s.)
 */
async function expectImagesLoaded(page: Page, selector: string) {
  const images = page.locator(selector);
  await expect(images.first()).toBeVisible();
  for (const img of await images.all())
    await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
}

let finished: ApiRun;
let running: ApiRun;
let sweep: ResultOf<typeof SWEEP>["sweep"];

test.beforeAll(async () => {
  test.setTimeout(300_000);
  // One trainer takes one run at a time: the finished run and the sweep first, the endless run last.
  const { startRun } = await gql(START, {
    input: { hiddenSize: 16, numIters: 200, batchSize: 20, learningRate: 0.05, reg: 0.001 },
  });
  finished = await until("the run to finish", async () => {
    const { run } = await gql(RUN, { id: startRun.id });
    return run.status === "SUCCEEDED" && run;
  });
  await gql(graphql(`mutation EvaluateTest($id: ID!) { evaluateTest(runId: $id) { id } }`), { id: finished.id });

  const { startSweep } = await gql(
    graphql(`mutation StartSweep($input: StartSweepInput!) { startSweep(input: $input) { id } }`),
    {
      input: {
        space: { learningRates: [0.02, 0.1], hiddenSizes: [8, 16], regs: [1e-3], learningRateDecays: [0.95] },
        strategy: "SUCCESSIVE_HALVING",
        eta: 2,
        numIters: 80,
        batchSize: 20,
      },
    },
  );
  sweep = await until("the sweep to end with a tested best run", async () => {
    const data = await gql(SWEEP, { id: startSweep.id });
    return data.sweep.status === "SUCCEEDED" && data.sweep.bestRun?.testAcc != null && data.sweep;
  });

  const long = await gql(START, {
    input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20, learningRate: 0.05, reg: 0.001 },
  });
  running = await until("the long run to have trained two epochs", async () => {
    const { run } = await gql(RUN, { id: long.startRun.id });
    return run.status === "RUNNING" && run.epochs.length >= 2 && run;
  });
});

async function cancelIfRunning(run: ApiRun | undefined) {
  if (!run) return;
  const { run: now } = await gql(RUN, { id: run.id });
  if (now.status === "RUNNING" || now.status === "QUEUED") await gql(CANCEL, { id: run.id });
}

test.afterAll(() => cancelIfRunning(running));

/** Opens `path` by URL, then reloads it; `check` runs after each; no console error or failed request either time. */
async function byUrl(page: Page, path: string, name: string, check: () => Promise<void>) {
  const problems = watch(page);
  const response = await page.goto(path);
  expect(response?.status()).toBe(200);
  await check();
  await shot(page, `${name}`);
  await page.reload();
  await check();
  expect(problems).toEqual([]);
}

test("a finished run's page, by URL: its weights, and the API's numbers", async ({ page }) => {
  await byUrl(page, `/runs/${finished.uuid}`, "30-run-finished-by-url", async () => {
    await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED");
    await expectImagesLoaded(page, "img.weights");
    await expect(page.getByTestId("final-val")).toHaveText(percent(finished.finalValAcc));
    await expect(page.getByTestId("best-epoch-val")).toHaveText(percent(finished.bestValAcc));
    await expect(page.getByTestId("epoch-count")).toHaveText(String(finished.epochs.length));
    await expect(page.getByTestId("test-acc")).toHaveText(/^\d+\.\d\d%$/);
    // Its confusion matrices, the validation set's first; the test set's a click away.
    await expect(page.getByTestId("confusion-caption")).toContainText("Validation set, 100 images");
    await expect(page.getByTestId("confusion-row")).toHaveCount(10);
    await expect(page.getByTestId("confusion").getByRole("button", { name: "Test" })).toBeVisible();
    // Charts are named for a screen reader in words, not by the page's internal names.
    await expect(page.getByRole("img", { name: "Loss per iteration" })).toBeVisible();
    await expect(page.getByRole("img", { name: "Train and validation accuracy per epoch" })).toBeVisible();
  });
});

test("a running run's page, by URL: live duration without a hydration error, weights, epochs arriving", async ({
  page,
}) => {
  await byUrl(page, `/runs/${running.uuid}`, "31-run-running-by-url", async () => {
    await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
    await expect(page.getByTestId("duration")).toHaveText(/\d s$/);
    await expectImagesLoaded(page, "img.weights");
    const epochs = page.getByTestId("epoch-count");
    await expect.poll(async () => Number(await epochs.textContent())).toBeGreaterThanOrEqual(2);
    const now = Number(await epochs.textContent());
    await expect.poll(async () => Number(await epochs.textContent()), { timeout: 60_000 }).toBeGreaterThan(now);
    await expect(page.getByTestId("final-val")).toHaveText("when training stops");
  });
});

test("a PAUSED sweep trial's page offers Cancel run, as the API cancels one", async ({ page }) => {
  // A trial waits PAUSED for its rung's end only for moments in a sweep this small: the running run's
  // stream tells its page it is paused. (The button was shown only while QUEUED or RUNNING.)
  await rewrittenEvents(page, "RunEvents", (data) => {
    const event = data.runEvents as { __typename: string; status?: string };
    if (event.__typename === "RunStatusEvent") event.status = "PAUSED";
  });
  await page.goto(`/runs/${running.uuid}`);
  await expect(page.getByTestId("run-status")).toHaveText("PAUSED");
  await expect(page.getByRole("button", { name: "Cancel run" })).toBeVisible();
});

test("a sweep's page, by URL: the best model's weights and the API's numbers", async ({ page }) => {
  await byUrl(page, `/sweeps/${sweep.uuid}`, "32-sweep-by-url", async () => {
    await expect(page.getByTestId("best-val")).toHaveText(percent(sweep.bestRun!.finalValAcc));
    await expect(page.getByTestId("best-epoch-val")).toHaveText(percent(sweep.bestRun!.bestValAcc));
    await expect(page.getByTestId("best-test")).toHaveText(percent(sweep.bestRun!.testAcc));
    await expectImagesLoaded(page, "img.weights");
    await expect(page.getByRole("table", { name: "Trials" }).locator("tbody tr")).toHaveCount(4);
    await expect(page.getByRole("table", { name: "Trials" }).getByTestId("run-status")).not.toContainText(["PAUSED"]);
  });
});

test("a comparison, by URL: the API's numbers, and the running run's epochs arrive without a reload", async ({
  page,
}) => {
  await byUrl(page, `/compare?ids=${finished.uuid},${running.uuid}`, "33-compare-by-url", async () => {
    const table = page.getByRole("table", { name: "Hyperparameters of the compared runs" });
    const done = table.locator(`tr[data-run-id="${finished.uuid}"]`);
    await expect(done.getByTestId("final-val")).toHaveText(percent(finished.finalValAcc));
    await expect(done.getByTestId("best-epoch-val")).toHaveText(percent(finished.bestValAcc));
    const live = table.locator(`tr[data-run-id="${running.uuid}"]`);
    const epochs = async () => Number(await live.getAttribute("data-epochs"));
    const before = await epochs();
    await expect.poll(epochs, { timeout: 60_000 }).toBeGreaterThan(before);
    await expect(page.getByTestId("chart-val-accuracy").locator("canvas").first()).toBeVisible();
    // Per class, the finished run's validation accuracies, the API's; none yet for the running one.
    const perClass = page.getByRole("table", { name: "Validation accuracy per class" });
    await expect(perClass.locator("tbody tr")).toHaveCount(10);
    await expect(perClass.locator(`td[data-run-id="${finished.uuid}"]`)).toHaveText(
      finished.valConfusion!.classAccuracy.map((acc) => percent(acc)),
    );
    await expect(perClass.locator(`td[data-run-id="${running.uuid}"]`)).toHaveText(Array(10).fill("—"));
    // Its best epoch follows the streamed epochs (it kept the value of the page's load).
    await expect
      .poll(
        async () => {
          const { run } = await gql(RUN, { id: running.uuid });
          return (await live.getByTestId("best-epoch-val").textContent()) === percent(run.bestValAcc);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
  });
  // A key repeated in the address lists more ids (it crashed the page).
  await page.goto(`/compare?ids=${finished.uuid}&ids=${running.uuid}`);
  await expect(
    page.getByRole("table", { name: "Hyperparameters of the compared runs" }).locator("tbody tr"),
  ).toHaveCount(2);
});

test("the list pages, by URL, with sort and filter kept in the address", async ({ page }) => {
  await byUrl(page, "/?sort=BEST_VAL_ACC_DESC&status=SUCCEEDED", "34-runs-by-url", async () => {
    await expect(page.getByRole("button", { name: "Best epoch val ↓" })).toBeVisible();
    // The order is told to a screen reader too, not only drawn as an arrow.
    await expect(page.getByRole("columnheader", { name: "Best epoch val ↓" })).toHaveAttribute(
      "aria-sort",
      "descending",
    );
    await expect(page.getByRole("columnheader", { name: "Created" })).toHaveAttribute("aria-sort", "none");
    await expect(page.getByLabel("Filter by status")).toHaveValue("SUCCEEDED");
    const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
    await expect(rows.first()).toBeVisible();
    await expect(rows.getByTestId("run-status").filter({ hasNotText: "SUCCEEDED" })).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Runs", exact: true })).toHaveAttribute("aria-current", "page");
    // The results come before the hyperparameters: at a laptop's width (1280 px) they are in view
    // without scrolling the table (the accuracies were the columns cut off).
    const width = page.viewportSize()!.width;
    for (const name of ["Final val", "Best epoch val ↓", "Test"]) {
      const box = await page.getByRole("columnheader", { name, exact: true }).boundingBox();
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(width);
    }
  });
  for (const [path, name] of [
    ["/sweeps", "35-sweeps-by-url"],
    ["/compare", "36-compare-picker-by-url"],
    ["/experiments", "37-experiments-by-url"],
    ["/runs/new", "38-new-run-by-url"],
    ["/sweeps/new", "39-new-sweep-by-url"],
  ] as const) {
    await byUrl(page, path, name, async () => {
      await expect(page.locator("main h1").first()).toBeVisible();
    });
  }
});

test("unknown and malformed ids get the not-found page with status 404", async ({ page }) => {
  for (const path of [
    "/runs/00000000-0000-0000-0000-000000000000",
    "/runs/garbage",
    "/sweeps/00000000-0000-0000-0000-000000000000",
    "/sweeps/not-a-sweep",
    "/compare?ids=nope,alsonope",
    `/compare?ids=${finished.uuid},00000000-0000-0000-0000-000000000000`,
    "/no/such/page",
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByTestId("not-found"), path).toBeVisible();
  }
  await page.goto("/runs/garbage");
  await expect(page.getByRole("heading", { name: "No such run" })).toBeVisible();
  await expect(page.getByText("ids are UUIDs")).toBeVisible();
  await shot(page, "40-not-found");
  // A comparison's bad group is named as such, not as a run.
  for (const path of ["/compare?groups=garbage", "/compare?ids=nope"]) {
    expect((await page.goto(path))?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { name: "No such run or seed group to compare" }), path).toBeVisible();
  }
});

test("a comparison of more runs than its downloads export is refused in words", async ({ page }) => {
  const ids = Array.from({ length: 51 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  await page.goto(`/compare?ids=${ids.join(",")}`);
  await expect(page.getByTestId("too-many")).toContainText("This address lists 51 runs; a comparison shows at most 50");
  // Repeats count once: 51 times the same run is a comparison of one.
  await page.goto(`/compare?ids=${Array(51).fill(finished.uuid).join(",")}`);
  await expect(page.getByTestId("too-many")).toHaveCount(0);
  await expect(
    page.getByRole("table", { name: "Hyperparameters of the compared runs" }).locator("tbody tr"),
  ).toHaveCount(1);
});

test("before a form's page hydrates, its fields are read-only and its button disabled: nothing typed is lost", async ({
  browser,
  baseURL,
}) => {
  // The server's HTML alone (no JavaScript runs): what a user on a slow phone sees first. Typing into
  // it would show one value while the form, once hydrated, kept (and planned or sent) another.
  const serverHtml = await browser.newContext({ javaScriptEnabled: false, baseURL });
  const page = await serverHtml.newPage();
  for (const [path, button] of [
    ["/runs/new", "Start run"],
    ["/sweeps/new", "Start sweep"],
  ] as const) {
    await page.goto(path);
    const fields = page.locator("form input");
    expect(await fields.count(), path).toBeGreaterThan(3);
    for (const field of await fields.all()) await expect(field, path).not.toBeEditable();
    for (const select of await page.locator("form select").all()) await expect(select, path).toBeDisabled();
    await expect(page.getByRole("button", { name: button }), path).toBeDisabled();
  }
  await page.goto("/experiments");
  await expect(page.getByLabel("Iterations")).not.toBeEditable();
  await serverHtml.close();
});

test("at phone width (390 px) no page is wider than the screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const pages: [string, string, string][] = [
    ["/", "41-phone-runs", 'table[aria-label="Runs"]'],
    [`/runs/${finished.uuid}`, "42-phone-run", "table.confusion"], // (its widest part, shown last)
    [`/runs/${running.uuid}`, "43-phone-run-running", "img.weights"],
    ["/runs/new", "44-phone-new-run", "form"],
    ["/experiments", "45-phone-experiments", "main h1"],
    [`/compare?ids=${finished.uuid},${running.uuid}`, "46-phone-compare", 'table[aria-label="Runs to compare"]'],
    ["/compare", "47-phone-compare-picker", 'table[aria-label="Runs to compare"]'],
    ["/sweeps", "48-phone-sweeps", 'table[aria-label="Sweeps"]'],
    [`/sweeps/${sweep.uuid}`, "49-phone-sweep", 'table[aria-label="Trials"]'],
    ["/sweeps/new", "50-phone-new-sweep", "form"],
    ["/runs/garbage", "51-phone-not-found", "main h1"],
  ];
  for (const [path, name, ready] of pages) {
    await page.goto(path);
    await expect(page.locator(ready).first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    await shot(page, name);
  }
});

test("at phone width a table wider than the screen shows a shadow where columns are hidden, until scrolled to that end", async ({
  page,
}) => {
  // Phone browsers draw no scroll bar until the table is touched: the shadow is the only sign.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/runs/${finished.uuid}`);
  const frame = page.locator(".table-scroll-frame", { has: page.locator("table.confusion") });
  const shadow = (side: "::before" | "::after") =>
    frame.evaluate((el, pseudo) => getComputedStyle(el, pseudo).opacity, side);
  await expect(frame).toHaveAttribute("data-hidden-right", "true");
  await expect(frame).not.toHaveAttribute("data-hidden-left");
  await expect.poll(() => shadow("::after")).toBe("1");
  expect(await shadow("::before")).toBe("0");

  await frame.locator(".table-scroll").evaluate((box) => {
    box.scrollLeft = box.scrollWidth;
  });
  await expect(frame).toHaveAttribute("data-hidden-left", "true");
  await expect(frame).not.toHaveAttribute("data-hidden-right");
  await expect.poll(() => shadow("::before")).toBe("1");
  await expect.poll(() => shadow("::after")).toBe("0");

  // Wide enough for the whole table: no shadow on either side.
  await page.setViewportSize({ width: 1280, height: 844 });
  await expect(frame).not.toHaveAttribute("data-hidden-left");
  await expect(frame).not.toHaveAttribute("data-hidden-right");
});

test("with the API down, a page says where it looked, and works again once the API is back", async ({ page }) => {
  await control("stop-api");
  try {
    const response = await page.goto(`/runs/${finished.uuid}`);
    expect(response?.status()).toBe(200);
    await expect(
      page.getByText(`The TrainQL API at http://127.0.0.1:${API_PORT}/graphql is not reachable`),
    ).toBeVisible();
    await shot(page, "52-api-unreachable");
  } finally {
    await control("start-api");
  }
  await expect(async () => {
    await page.goto(`/runs/${finished.uuid}`);
    await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED", { timeout: 1000 });
  }).toPass({ timeout: 60_000 });
});

test("a browser that cannot reach the API, while the dashboard's server can, is told where it is trying", async ({
  page,
}) => {
  // As behind a firewall or proxy that lets the dashboard's server through to the API but not the
  // browser: the page renders on the server, and then neither its requests nor its WebSocket get through.
  await page.route(`${API_ORIGIN}/**`, (route) => route.abort("connectionrefused"));
  await page.routeWebSocket("**/graphql", (socket) => socket.close());
  await page.goto(`/runs/${finished.uuid}`);
  await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED");
  await expect(page.getByTestId("api-unreachable")).toContainText(
    `This browser cannot reach the TrainQL API at ${API_ORIGIN}/graphql`,
  );
  // Its history comes over the stream, which never opens: not known, rather than none (it said 0).
  await expect(page.getByTestId("epoch-count")).toHaveText("loading…");
  await shot(page, "55-api-unreachable-from-browser");
});

test("a study launched from Experiments opens its comparison, named after it, which fills in live", async ({
  page,
}) => {
  // The trainer takes one run at a time: free it for the study's runs.
  await cancelIfRunning(running);
  const problems = watch(page);
  await page.goto("/experiments");
  await page.getByLabel("Iterations").fill("100");
  await page.getByLabel("Batch size").fill("20");
  await page.locator(".card", { hasText: "Capacity" }).getByRole("button", { name: "Launch 4 runs" }).click();
  await page.waitForURL(/\/compare\?ids=.*&study=Capacity/);
  await expect(page.getByRole("heading", { name: "Capacity study: compare 4 runs" })).toBeVisible();
  const rows = page.getByRole("table", { name: "Hyperparameters of the compared runs" }).locator("tbody tr");
  await expect(rows).toHaveCount(4);
  // Without a reload, every run trains to the end and its epochs and final numbers arrive.
  await expect(rows.getByTestId("run-status")).toHaveText(Array(4).fill("SUCCEEDED"), { timeout: 90_000 });
  const runs: ApiRun[] = [];
  for (const row of await rows.all()) {
    const { run } = await gql(RUN, { id: (await row.getAttribute("data-run-id"))! });
    expect(run.epochs.length).toBeGreaterThan(1);
    await expect.poll(async () => Number(await row.getAttribute("data-epochs"))).toBe(run.epochs.length);
    await expect(row.getByTestId("final-val")).toHaveText(percent(run.finalValAcc));
    await expect(row.getByTestId("best-epoch-val")).toHaveText(percent(run.bestValAcc));
    runs.push(run);
  }
  // And, per class, their validation accuracies, with their final status: each class's best said so
  // (where the runs differ on it).
  const perClass = page.getByRole("table", { name: "Validation accuracy per class" });
  const measured = (c: number) => runs.flatMap((r) => r.valConfusion!.classAccuracy[c] ?? []);
  for (const run of runs) {
    await expect(perClass.locator(`td[data-run-id="${run.uuid}"]`)).toHaveText(
      run.valConfusion!.classAccuracy.map((acc, c) => {
        const best = new Set(measured(c)).size > 1 && acc === Math.max(...measured(c));
        return `${percent(acc)}${best ? " (best)" : ""}`;
      }),
    );
  }
  // The picker under them follows too (it kept the statuses it was loaded with), and finds them by
  // their name.
  const picker = page.getByRole("table", { name: "Runs to compare" });
  for (const run of runs) {
    const row = picker.locator("tbody tr").filter({ has: page.getByLabel(`select run ${run.uuid}`) });
    await expect(row.getByTestId("run-status")).toHaveText("SUCCEEDED");
  }
  await page.getByLabel("Filter runs").fill("capacity study");
  await expect(picker.locator("tbody tr").filter({ hasNotText: "Capacity study" })).toHaveCount(0);
  await expect(picker.locator("tbody tr").filter({ hasText: "Capacity study" })).not.toHaveCount(0);
  await page.getByLabel("Filter runs").fill("");
  await shot(page, "53-experiment-compare-live");
  // The Runs list says where each of them came from.
  await page.goto("/");
  for (const hidden of [2, 8, 32, 128])
    await expect(page.getByTestId("group").filter({ hasText: `Capacity study: hidden ${hidden}` })).toHaveCount(1);
  await shot(page, "54-runs-named-by-study");
  expect(problems).toEqual([]);
});
