// The run page's weights history (a slider over the kept epochs, live while the run trains) and forks
// (a new run from one of a run's kept epochs, its lineage on both runs' pages), in a real browser
// against the real stack.
import { expect, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { API_ORIGIN, gql, shot, submitOnce } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

const START = graphql(`mutation HistoryStart($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const RUN = graphql(`query HistoryRun($id: ID!) { run(id: $id) { status weightsEpochs forks { uuid } } }`);

const EPOCHS = graphql(`query HistoryEpochs($id: ID!) { run(id: $id) { epochs { epoch iteration } } }`);

const bytesOf = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());

test("the slider scrubs the weights through the kept epochs, and follows new ones live", async ({ page }) => {
  // 20 iterations an epoch (400 training rows) and more epochs than the test can wait for: it watches
  // the run train and cancels it. (A bounded run, of 150 epochs, once ended before the cancel.)
  const { startRun } = await gql(START, {
    input: {
      name: "weights history",
      hiddenSize: 16,
      batchSize: 20,
      numIters: 1_000_000,
      learningRate: 0.05,
      reg: 0.001,
    },
  });
  await page.goto(`/runs/${startRun.uuid}`);
  const slider = page.getByTestId("weights-slider");
  const label = page.getByTestId("weights-epoch");
  // Live: while it follows the newest epoch, the slider's range fills and the label's epoch grows
  // without a reload. (The epoch, not the range, is what grows steadily: the range halves each time the
  // kept epochs are thinned, so a range read just before a thinning may not be exceeded for a while.)
  const shownEpoch = async () => {
    const text = await label.textContent();
    const match = text?.match(/^Epoch (\d+)/);
    if (!match) throw new Error(`the weights label reads ${JSON.stringify(text)}, not "Epoch N"`);
    return Number(match[1]);
  };
  await expect.poll(async () => Number(await slider.getAttribute("max")), { timeout: 60_000 }).toBeGreaterThan(3);
  await expect(label).toContainText("(latest)");
  const early = await shownEpoch();
  await expect.poll(shownEpoch, { timeout: 60_000 }).toBeGreaterThan(early);
  await expect(label).toContainText("(latest)");

  // Scrub back to epoch 0: the image is epoch 0's, as the API serves it, not the newest one. (Epoch 0
  // stays kept however far the run goes: the kept epochs are the multiples of a stride that doubles.
  // Any other old epoch may be thinned away while the page is on it, and the slider then goes back
  // to the newest.)
  // A screen reader hears the epoch, not the slider's position among the kept ones.
  await expect(slider).toHaveAttribute("aria-valuetext", /^Epoch \d+, the latest$/);
  await slider.fill("0");
  await expect(label).toHaveText("Epoch 0");
  await expect(slider).toHaveAttribute("aria-valuetext", "Epoch 0");
  const img = page.locator("img.weights");
  await expect(img).toHaveAttribute("src", new RegExp(`/runs/${startRun.uuid}/weights\\.png\\?epoch=0$`));
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth)).toBeGreaterThan(0);
  const shown = await bytesOf((await img.getAttribute("src")) as string);
  const epoch0 = await bytesOf(`${API_ORIGIN}/runs/${startRun.uuid}/weights.png?epoch=0`);
  const latest = await bytesOf(`${API_ORIGIN}/runs/${startRun.uuid}/weights.png`);
  expect(shown.equals(epoch0)).toBe(true);
  expect(shown.equals(latest)).toBe(false);
  // The browser drew those bytes: the image it decoded has the size the PNG's header states.
  const [w, h] = [epoch0.readUInt32BE(16), epoch0.readUInt32BE(20)];
  expect(await img.evaluate((i: HTMLImageElement) => [i.naturalWidth, i.naturalHeight])).toEqual([w, h]);
  // Still at epoch 0 while newer epochs arrive.
  await page.waitForTimeout(1500);
  await expect(label).toHaveText("Epoch 0");
  await shot(page, "history-01-weights-slider");
  await gql(graphql(`mutation HistoryCancel($id: ID!) { cancelRun(id: $id) { id } }`), { id: startRun.id });
});

test("a run forked from its page continues from the chosen epoch, and both pages show the lineage", async ({
  page,
}) => {
  const { startRun } = await gql(START, {
    input: { name: "fork parent", hiddenSize: 16, batchSize: 20, numIters: 200, learningRate: 0.05, reg: 0.001 },
  });
  await expect
    .poll(async () => (await gql(RUN, { id: startRun.id })).run.status, { timeout: 90_000 })
    .toBe("SUCCEEDED");
  await page.goto(`/runs/${startRun.uuid}`);
  const form = page.getByRole("form", { name: "Fork this run" });
  await expect(form).toBeVisible();
  await expect(page.getByTestId("lineage")).toContainText("Trained from scratch.");

  // A fork that ends before its start is refused next to the field, and nothing is made.
  await form.locator('select[name="epoch"]').selectOption("4");
  await expect(form.getByTestId("fork-iteration")).toHaveText("(81 iterations done)");
  await form.locator('input[name="numIters"]').fill("50");
  await form.getByRole("button", { name: "Fork" }).click();
  await expect(form.locator(".field-error")).toContainText(
    "numIters must be more than the 81 iterations done at epoch 4",
  );
  expect((await gql(RUN, { id: startRun.id })).run.forks).toEqual([]);

  // Editing the field takes its refusal away.
  await form.locator('input[name="numIters"]').fill("200");
  await expect(form.locator(".field-error")).toHaveCount(0);
  // Text that is no number is refused by name in the browser (it used to go out as null: the parent's).
  await form.locator('input[name="learningRate"]').fill("0,2");
  await form.getByRole("button", { name: "Fork" }).click();
  await expect(form.locator(".field-error")).toHaveText('Learning rate must be a number; got "0,2"');
  expect((await gql(RUN, { id: startRun.id })).run.forks).toEqual([]);

  await form.locator('input[name="learningRate"]').fill("0.2");
  // The button stays off until the fork's page is there: no second fork from a second click.
  await submitOnce(
    page,
    form.getByRole("button", { name: "Fork" }),
    (url) => /\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.includes(startRun.uuid),
  );
  const forkUuid = page.url().split("/").at(-1) as string;
  const lineage = page.getByTestId("forked-from");
  await expect(lineage).toContainText("Forked from fork parent at epoch 4");
  // Its curves continue the parent's: the parent's 5 epochs are there, then its own arrive.
  await expect
    .poll(async () => Number(await page.getByTestId("epoch-count").textContent()), { timeout: 90_000 })
    .toBe(10);
  await expect(page.getByTestId("run-status")).toHaveText("SUCCEEDED", { timeout: 60_000 });
  // The loss chart marks where the parent's curve ends and the fork's own begins: epoch 4's iteration.
  const { run: parent } = await gql(EPOCHS, { id: startRun.id });
  const forkIteration = parent.epochs.find((e) => e.epoch === 4)?.iteration;
  const marks = await page.getByTestId("chart-loss").evaluate((el) => {
    type Option = { series: { markLine?: { data: { xAxis: number }[] } }[] };
    const option = (el as HTMLElement & { chart: { getOption(): Option } }).chart.getOption();
    return option.series.flatMap((s) => s.markLine?.data.map((d) => d.xAxis) ?? []);
  });
  expect(marks).toContain(forkIteration);
  await shot(page, "history-02-fork");

  await lineage.getByRole("link", { name: "fork parent" }).click();
  await page.waitForURL(`**/runs/${startRun.uuid}`);
  await expect(page.getByTestId("forks").getByRole("link")).toHaveAttribute("href", `/runs/${forkUuid}`);
  await expect(page.getByTestId("forks")).toContainText("at epoch 4");

  // At phone width, the lineage and the form fit the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/runs/${forkUuid}`);
  await expect(page.getByTestId("forked-from")).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "history-03-fork-phone");
});
