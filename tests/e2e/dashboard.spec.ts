// What a person does in the dashboard, in a real browser against the real stack.
import { expect, type Page, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { control, fill, gql, refused, rewritten, shot, submitOnce } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

/** The confusion matrix's right predictions, summed: of 100 images, the accuracy in percent. */
async function diagonalOf(page: Page): Promise<number> {
  const cells = await page.getByTestId("confusion").locator("td.diagonal").allTextContents();
  return cells.reduce((sum, text) => sum + Number(text), 0);
}

async function fillForm(page: Page, values: Record<string, string>) {
  await page.goto("/runs/new");
  await fill(page, values);
}

test("the runs page starts empty and says how to begin", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByText("No runs yet.")).toBeVisible();
  await shot(page, "01-runs-empty");
});

test("the new-run page says where runs will train, and that nothing slows it down", async ({ page }) => {
  // (Rendered on the server once: reload until the trainer has registered.)
  await expect(async () => {
    await page.goto("/runs/new");
    await expect(page.getByTestId("backend")).toContainText("Runs train on wasm", { timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  // OpenBLAS is there (.ci/run installs it), so the products run natively and nothing is wrong.
  await expect(page.getByTestId("backend")).toContainText("matrix products on");
  await expect(page.getByTestId("backend-warning")).toHaveCount(0);
});

test("bad fields get the API's rules, all at once, named by their labels, and no run is made", async ({ page }) => {
  await fillForm(page, { hiddenSize: "0", batchSize: "20", numIters: "12.5", learningRate: "fast" });
  await expect(page.locator('input[name="reg"]')).toHaveValue("0.25"); // the assignment's defaults
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page.locator("#hiddenSize-error")).toHaveText("Hidden size must be an integer from 1 to 8192; got 0");
  await expect(page.locator("#numIters-error")).toHaveText("Iterations must be an integer from 1 to 1000000; got 12.5");
  await expect(page.locator("#learningRate-error")).toHaveText('Learning rate must be a number; got "fast"');
  await expect(page.locator('input[name="hiddenSize"]')).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator(".field-error")).toHaveCount(3);
  await shot(page, "02-new-run-validation");
  await page.goto("/");
  await expect(page.getByText("No runs yet.")).toBeVisible();
});

test("a run started from the form streams epochs live, its curves grow and its weights appear", async ({ page }) => {
  await fillForm(page, { hiddenSize: "16", numIters: "4000", batchSize: "20", learningRate: "0.05", reg: "0.001" });
  // The button stays off until the run's page is there: no second run from a second click.
  await submitOnce(page, page.getByRole("button", { name: "Start run" }), /\/runs\/[0-9a-f-]{36}$/);

  const epochs = page.getByTestId("epoch-count");
  await expect.poll(async () => Number(await epochs.textContent()), { timeout: 60_000 }).toBeGreaterThan(2);
  const early = Number(await epochs.textContent());
  // Without a reload, more epochs arrive.
  await expect.poll(async () => Number(await epochs.textContent()), { timeout: 60_000 }).toBeGreaterThan(early + 2);
  await expect(page.getByTestId("run-status")).toHaveText(/RUNNING|SUCCEEDED/);
  const weights = page.locator("img.weights");
  await expect(weights).toBeVisible();
  await expect.poll(() => weights.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  await expect(page.getByTestId("chart-loss").locator("canvas").first()).toBeVisible();
  await shot(page, "03-run-live");

  await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED", { timeout: 90_000 });
  // The final parameters' confusion matrix arrives with the end: every validation image once, the
  // right ones on its diagonal (the final validation accuracy's).
  const confusion = page.getByTestId("confusion");
  await expect(confusion.getByTestId("confusion-row")).toHaveCount(10);
  await expect(page.getByTestId("confusion-caption")).toContainText("Validation set, 100 images");
  await expect(page.getByTestId("final-val")).toHaveText(`${await diagonalOf(page)}.00%`);
  await expect(confusion.getByRole("button", { name: "Test" })).toHaveCount(0); // (until evaluated)
  // Refused, the evaluation says why and can be asked again (the button came back).
  const evaluate = page.getByRole("button", { name: "Evaluate on test set" });
  const allow = await refused(page, "Evaluate");
  await evaluate.click();
  await expect(page.locator("p.error")).toContainText("does not exist");
  await expect(evaluate).toBeEnabled();
  await allow();
  await evaluate.click();
  await expect(page.getByTestId("test-acc")).toHaveText(/\d+\.\d\d%/);
  // The test set's matrix comes with its accuracy, live.
  await confusion.getByRole("button", { name: "Test" }).click();
  await expect(page.getByTestId("confusion-caption")).toContainText("Test set, 100 images");
  await expect(page.getByTestId("test-acc")).toHaveText(`${await diagonalOf(page)}.00%`);
  await expect(confusion.getByTestId("class-accuracy")).toHaveText(Array(10).fill(/^(\d+\.\d\d%|—)$/));
  await shot(page, "04-run-finished");
});

test("a cell of the confusion matrix opens the images the run was surest of there", async ({ page }) => {
  // Three steps: far from the tiny data set's 100%, so there are mistakes to see.
  const { startRun } = await gql(
    graphql(`mutation StartMistakenRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`),
    { input: { hiddenSize: 8, numIters: 3, batchSize: 20, seed: 2 } },
  );
  await page.goto(`/runs/${startRun.uuid}`);
  await expect(page.getByTestId("run-status").first()).toHaveText("SUCCEEDED", { timeout: 60_000 });
  const confusion = page.getByTestId("confusion");
  // Every validation cell off the diagonal with a count opens; the diagonal's do not.
  const cells = confusion.locator("td button");
  await expect(cells.first()).toBeVisible();
  await expect(confusion.locator("td.diagonal button")).toHaveCount(0);
  const cell = cells.first();
  const [, trueName, predictedName, count] = /^(\w+) taken for (\w+): (\d+)$/.exec(
    (await cell.getAttribute("aria-label")) ?? "",
  )!;
  await cell.click();
  await expect(cell).toHaveAttribute("aria-expanded", "true");
  const gallery = page.getByTestId("mistakes");
  const shown = Math.min(Number(count), 4);
  await expect(gallery.getByRole("heading")).toHaveText(
    `${trueName} taken for ${predictedName}: the ${shown === 1 ? "one" : shown} it was surest of, of ${count}`,
  );
  const images = gallery.getByRole("img");
  await expect(images).toHaveCount(shown);
  for (const image of await images.all()) {
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(32);
    await expect(image).toHaveAttribute("alt", new RegExp(`: a ${trueName}, predicted ${predictedName}$`));
  }
  // The captions are the API's: each image's row in the validation set and the probability given it,
  // the surest first.
  const SHOWN = graphql(`
    query MistakesShown($id: ID!, $t: Int!, $p: Int!) {
      run(id: $id) { valConfusion { classes } valMistakes(trueClass: $t, predictedClass: $p) { index confidence } }
    }
  `);
  const { classes } = (await gql(SHOWN, { id: startRun.id, t: 0, p: 0 })).run!.valConfusion!;
  const { run } = await gql(SHOWN, {
    id: startRun.id,
    t: classes.indexOf(trueName!),
    p: classes.indexOf(predictedName!),
  });
  await expect(gallery.getByTestId("mistake-caption")).toHaveText(
    run!.valMistakes.map((m) => `#${m.index}, ${(m.confidence * 100).toFixed(2)}%`),
  );
  await shot(page, "04b-run-mistakes");
  // Pressed again, it closes.
  await cell.click();
  await expect(gallery).toHaveCount(0);
  // The mistakes made most often, under the matrix, open theirs too.
  const top = page.getByTestId("top-confusions").getByRole("button").first();
  const [, topTrue, topPredicted, topCount] = /^(\w+) taken for (\w+) \((\d+)\)$/.exec(
    (await top.textContent()) ?? "",
  )!;
  await top.click();
  await expect(gallery.getByRole("heading")).toContainText(`${topTrue} taken for ${topPredicted}`);
  await expect(gallery.getByRole("heading")).toContainText(`of ${topCount}`);
  await expect(
    confusion.getByRole("button", { name: `${topTrue} taken for ${topPredicted}: ${topCount}`, exact: true }),
  ).toHaveAttribute("aria-expanded", "true");
  // At a phone's width the images wrap, within the page.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await cells.first().click();
  await expect(images).toHaveCount(shown);
  await images.last().scrollIntoViewIfNeeded();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "04c-run-mistakes-phone");
  await gql(graphql(`mutation DeleteMistakenRun($id: ID!) { deleteRun(id: $id) }`), { id: startRun.id });
});

test("a running run can be cancelled", async ({ page }) => {
  await fillForm(page, { hiddenSize: "8", numIters: "1000000", batchSize: "20", reg: "0.001" });
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("run-status")).toHaveText("RUNNING", { timeout: 60_000 });
  // Cancelling asks first; declining changes nothing.
  page.once("dialog", (dialog) => void dialog.dismiss());
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("CANCELLED");
  await expect(page.getByRole("button", { name: "Cancel run" })).toHaveCount(0);
  await shot(page, "05-run-cancelled");
});

test("when the API restarts, a live page reconnects and catches up without a reload, with no gap or duplicate", async ({
  page,
}) => {
  await fillForm(page, { hiddenSize: "8", numIters: "1000000", batchSize: "20", learningRate: "0.05", reg: "0.001" });
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const epochs = page.getByTestId("epoch-count");
  await expect.poll(async () => Number(await epochs.textContent()), { timeout: 60_000 }).toBeGreaterThan(3);
  const before = Number(await epochs.textContent());

  // What the sockets opened from now on (the reconnection) carry.
  const sent: string[] = [];
  const received: string[] = [];
  page.on("websocket", (socket) => {
    socket.on("framesent", (frame) => sent.push(String(frame.payload)));
    socket.on("framereceived", (frame) => received.push(String(frame.payload)));
  });
  await control("restart-api");
  await expect(page.getByText("Connection to the API lost")).toBeVisible();
  await expect(page.getByText("Connection to the API lost")).toBeHidden({ timeout: 60_000 });
  await expect.poll(async () => Number(await epochs.textContent()), { timeout: 60_000 }).toBeGreaterThan(before + 3);
  // Epochs 0…k, each once: the count is the last epoch + 1.
  // Read both at once: epochs keep arriving.
  const { count, last } = await epochs.evaluate((el) => ({
    count: Number(el.textContent),
    last: Number(el.getAttribute("data-last-epoch")),
  }));
  expect(last).toBe(count - 1);
  // Resumed, not replayed: the run's stream is asked for after the last event's cursor, and its first
  // losses go on from where the curve was, not from iteration 0.
  type Message = { type: string; payload?: { variables?: { after?: unknown }; data?: { runEvents?: RunEvent } } };
  type RunEvent = { __typename: string; fromIteration?: number };
  const parse = (frames: string[]) => frames.map((f) => JSON.parse(f) as Message);
  // (Playwright hands the frames to the test after the page has used them: polled, not read once.)
  const resumedAfter = () =>
    parse(sent).find((m) => m.type === "subscribe" && m.payload?.variables && "runId" in m.payload.variables)?.payload
      ?.variables?.after;
  await expect.poll(resumedAfter).toEqual(expect.any(String));
  const firstLosses = () =>
    parse(received).find((m) => m.payload?.data?.runEvents?.__typename === "RunLossesEvent")?.payload?.data?.runEvents
      ?.fromIteration;
  await expect.poll(firstLosses).toBeGreaterThan(0);
  await shot(page, "06-run-after-api-restart");
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Cancel run" }).click();
  await expect(page.getByTestId("run-status")).toHaveText("CANCELLED");
});

test("two runs can be compared, their curves labelled by what differs", async ({ page }) => {
  await page.goto("/compare");
  const boxes = page.getByRole("checkbox");
  await expect(boxes).toHaveCount(3);
  await boxes.nth(1).check();
  await boxes.nth(2).check();
  await page.getByRole("button", { name: "Compare 2 runs" }).click();
  await page.waitForURL(/\/compare\?ids=/);
  await expect(page.getByRole("heading", { name: "Compare 2 runs" })).toBeVisible();
  await expect(page.getByText("Curves are labelled by what differs: Hidden size")).toBeVisible();
  await expect(page.getByRole("table", { name: "Hyperparameters of the compared runs" }).getByRole("row")).toHaveCount(
    3,
  );
  await expect(page.getByTestId("chart-val-accuracy").locator("canvas").first()).toBeVisible();
  await shot(page, "07-compare");
});

test("the runs page lists every run with its live status, sortable by validation accuracy", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Filter by status").selectOption("");
  const rows = page.getByRole("table", { name: "Runs" }).locator("tbody tr");
  await expect(rows).toHaveCount(3);
  await expect(rows.getByTestId("run-status")).toHaveText(["CANCELLED", "CANCELLED", "SUCCEEDED"]);
  await page.getByRole("button", { name: /Best epoch val/ }).click();
  await expect(page.getByRole("button", { name: "Best epoch val ↓" })).toBeVisible();
  await expect(page).toHaveURL(/sort=BEST_VAL_ACC_DESC/);
  // The button changes at once; the re-sorted rows arrive with the next response.
  const bestColumn = async () =>
    (await rows.getByTestId("best-val").allTextContents()).map((t) => (t === "—" ? -1 : Number.parseFloat(t)));
  await expect
    .poll(async () => {
      const best = await bestColumn();
      return best.every((v, i) => i === 0 || best[i - 1]! >= v);
    })
    .toBe(true);
  await page.getByLabel("Filter by status").selectOption("CANCELLED");
  await expect(rows).toHaveCount(2);
  await expect(page).toHaveURL(/status=CANCELLED/);
  await shot(page, "08-runs");
  // Iterations trained, not planned: the cancelled runs stopped early.
  for (const cell of await rows.getByTestId("iterations").allTextContents()) {
    const [trained, planned] = cell.split(" / ").map((n) => Number(n.replace(/,/g, "")));
    expect(trained).toBeGreaterThan(0);
    expect(trained).toBeLessThan(planned!);
  }

  // Two selected runs open their comparison.
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await page.getByRole("button", { name: "Compare 2 runs" }).click();
  await page.waitForURL(/\/compare\?ids=/);
  await expect(page.getByRole("heading", { name: "Compare 2 runs" })).toBeVisible();

  // Deleting asks first, then the run is gone from the list.
  await page.goto("/?status=CANCELLED");
  await expect(rows).toHaveCount(2);
  const doomed = await rows.nth(1).getAttribute("data-run-id");
  page.once("dialog", (dialog) => void dialog.accept());
  await rows
    .nth(1)
    .getByRole("button", { name: `delete run ${doomed}` })
    .click();
  await expect(rows).toHaveCount(1);
  await expect(page.locator(`tr[data-run-id="${doomed}"]`)).toHaveCount(0);
});

test("a sweep started from its form runs its trials live and ends with its best model's validation and test accuracy", async ({
  page,
}) => {
  await page.goto("/sweeps/new");
  await fill(page, {
    learningRates: "0.02, 0.1, 0.3, 0.6",
    hiddenSizes: "8, 16",
    regs: "1e-3",
    learningRateDecays: "0.95",
    numIters: "160",
    batchSize: "20",
    eta: "2",
  });
  await page.locator('select[name="strategy"]').selectOption("SUCCESSIVE_HALVING");
  // The plan before it starts: 8 trials at 20, 4 more to 40, 2 to 80, 1 to 160 iterations.
  await expect(page.getByTestId("sweep-plan")).toHaveText("Will train 8 trials, 400 iterations in all.");
  await fill(page, { batchSize: "5000", eta: "1" });
  await page.getByRole("button", { name: "Start sweep" }).click();
  await expect(page.locator("#batchSize-error")).toContainText("Batch size must be an integer from 1 to 400");
  await expect(page.locator("#eta-error")).toContainText("eta (halving) must be an integer from 2 to 16; got 1");
  // A field edited loses its error (it was about the old value); the others keep theirs until a submit.
  await fill(page, { eta: "2" });
  await expect(page.locator("#eta-error")).toBeHidden();
  await expect(page.locator("#batchSize-error")).toBeVisible();
  await shot(page, "10-sweep-validation");

  await fill(page, { batchSize: "20" });
  await submitOnce(page, page.getByRole("button", { name: "Start sweep" }), /\/sweeps\/[0-9a-f-]{36}$/);
  // The sweeps list, open meanwhile in another tab, follows the sweep's status (it was frozen as
  // rendered). Opened first thing: the whole sweep takes ~10 s, and it once ended before the list came.
  const list = await page.context().newPage();
  await list.goto("/sweeps");
  const listed = list.getByRole("table", { name: "Sweeps" }).locator("tbody tr").getByTestId("run-status");
  await expect(listed).toHaveText(["RUNNING"]);
  // A refused cancel says why (it used to show nothing), and the sweep goes on.
  const allow = await refused(page, "CancelSweep");
  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: "Cancel sweep" }).click();
  await expect(page.getByText(/^Could not cancel the sweep: sweep \S+ does not exist$/)).toBeVisible();
  await allow();
  await expect(page.getByRole("table", { name: "Trials" }).locator("tbody tr")).toHaveCount(8);
  await expect(page.getByTestId("best-test")).toHaveText(/^\d+\.\d\d%$/, { timeout: 90_000 });
  await expect(page.getByTestId("best-val")).toHaveText(/^\d+\.\d\d%$/);
  await expect(page.getByText("Rung 2")).toBeVisible();
  await expect(page.getByTestId("sweep-iters")).toContainText("the full grid: 1,280");
  await expect(page.getByTestId("chart-heatmap").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("chart-parallel").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("chart-top-curves").locator("canvas").first()).toBeVisible();
  await expect(page.getByAltText("First-layer weights of the best model")).toBeVisible();
  await shot(page, "11-sweep");
  await expect(listed).toHaveText(["SUCCEEDED"]);
  await list.close();
  await page.goto("/sweeps");
  await expect(page.getByRole("table", { name: "Sweeps" }).locator("tbody tr")).toHaveCount(1);
  await shot(page, "12-sweeps");
});

test("an ended sweep is deleted from its page, with its trials, after a confirmation; its address then finds nothing", async ({
  page,
}) => {
  const { startSweep } = await gql(
    graphql(
      `mutation StartDoomedSweep($input: StartSweepInput!) { startSweep(input: $input) { uuid trials { uuid } } }`,
    ),
    {
      input: {
        space: { learningRates: [0.1], hiddenSizes: [8], regs: [1e-3], learningRateDecays: [0.95] },
        strategy: "GRID",
        numIters: 20,
        batchSize: 20,
      },
    },
  );
  await page.goto(`/sweeps/${startSweep.uuid}`);
  // Offered once the sweep has ended (a running one is cancelled first).
  const remove = page.getByRole("button", { name: "Delete sweep" });
  await expect(remove).toBeVisible({ timeout: 60_000 });
  page.once("dialog", (dialog) => {
    expect(dialog.message()).toBe("Delete this sweep and its 1 trial, with their metrics and weights?");
    void dialog.accept();
  });
  await remove.click();
  await page.waitForURL(/\/sweeps$/);
  await expect(page.getByRole("table", { name: "Sweeps" }).locator("tbody tr")).toHaveCount(1);
  await expect(page.locator(`a[href="/sweeps/${startSweep.uuid}"]`)).toHaveCount(0);
  for (const path of [`/sweeps/${startSweep.uuid}`, `/runs/${startSweep.trials[0]!.uuid}`]) {
    await page.goto(path);
    await expect(page.getByTestId("not-found")).toBeVisible();
  }
});

test("a queued run's page says when no trainer is running, and no longer once the run starts", async ({ page }) => {
  // Frozen, the trainer takes nothing: the run stays QUEUED.
  await control("pause-trainer");
  let paused = true;
  try {
    const { startRun } = await gql(
      graphql(`mutation StartWaitingRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`),
      { input: { hiddenSize: 8, numIters: 40, batchSize: 20 } },
    );
    // No trainer, as the API reports it once none has beaten within its timeout.
    const allow = await rewritten(page, "TrainerPresent", (data) => {
      data.backend = null;
    });
    await page.goto(`/runs/${startRun.uuid}`);
    await expect(page.getByTestId("no-trainer")).toHaveText(
      "No trainer is running: this run waits in the queue until one starts.",
    );
    // Its data set is its first trainer's: live from the status event once one takes it.
    await expect(page.getByTestId("run-data")).toHaveText("not recorded: a run takes its first trainer's");
    await allow();
    await control("resume-trainer");
    paused = false;
    await expect(page.getByTestId("run-status").first()).not.toHaveText("QUEUED", { timeout: 30_000 });
    await expect(page.getByTestId("no-trainer")).toHaveCount(0);
    await expect(page.getByTestId("run-data")).toHaveText(
      /^[\d,]+ training, [\d,]+ validation images \(fingerprint [0-9a-f]{16}\)$/,
    );
    await expect(page.getByTestId("run-status").first()).toHaveText("SUCCEEDED", { timeout: 60_000 });

    // A reproduction trains on the run's data set. With every running trainer on another one (as the
    // API's answer is rewritten: its trainer restarting, say), its page says so, and what happens next.
    await control("pause-trainer");
    paused = true;
    const { reproduceRun } = await gql(
      graphql(`mutation ReproduceWaitingRun($id: ID!) { reproduceRun(id: $id) { id uuid } }`),
      { id: startRun.id },
    );
    const allowOther = await rewritten(page, "TrainerPresent", (data) => {
      for (const trainer of data.trainers as { dataset: { fingerprint: string } | null }[])
        if (trainer.dataset) trainer.dataset.fingerprint = "0123456789abcdef";
    });
    await page.goto(`/runs/${reproduceRun.uuid}`);
    await expect(page.getByTestId("no-trainer")).toHaveText(
      /^No running trainer has this run's data set \(fingerprint [0-9a-f]{16}\): it waits in the queue for one \(its own trainer restarting, say\), and fails if none starts within the trainers' RUN_DATA_WAIT_MS \(5 minutes by default\)\.$/,
    );
    await allowOther();
    await control("resume-trainer");
    paused = false;
    await expect(page.getByTestId("run-status").first()).toHaveText("SUCCEEDED", { timeout: 60_000 });
    await expect(page.getByTestId("no-trainer")).toHaveCount(0);
    // (Not left for the specs after this one to count.)
    for (const id of [startRun.id, reproduceRun.id])
      await gql(graphql(`mutation DeleteStartedRun($id: ID!) { deleteRun(id: $id) }`), { id });
  } finally {
    if (paused) await control("resume-trainer");
  }
});
