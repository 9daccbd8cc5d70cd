// Names, tags and notes, and the downloads, as a person uses them in a real browser against the
// real stack: tags and a Markdown note edited on the run page show in the runs list, the list filters
// by tag and name (kept in the address), and the CSV, chart PNG and comparison downloads are the
// stored values.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { parse } from "csv-parse/sync";
import { gql, loseFirstAnswer, rewritten, shot } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

const START = graphql(`mutation LabelsStartRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const RENAME = graphql(
  `mutation LabelsRename($id: ID!, $name: String) { updateRun(id: $id, input: { name: $name }) { id } }`,
);
const RUN = graphql(`
  query LabelsRun($id: ID!) {
    run(id: $id) {
      status
      lossHistory(maxPoints: 100000) { iteration loss }
      epochs { epoch iteration loss trainAcc valAcc learningRate elapsedMs }
    }
  }
`);

async function trainedRun(name: string, seed: number): Promise<string> {
  const { startRun } = await gql(START, { input: { name, seed, hiddenSize: 10, numIters: 60, batchSize: 20 } });
  const deadline = Date.now() + 90_000;
  while ((await gql(RUN, { id: startRun.uuid })).run.status !== "SUCCEEDED") {
    if (Date.now() > deadline) throw new Error(`run ${name} did not succeed in time`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return startRun.uuid;
}

let tagged: string;
let other: string;

test.beforeAll(async () => {
  tagged = await trainedRun("Labels e2e baseline", 11);
  other = await trainedRun("Labels e2e OTHER", 12);
});

test("the New run form takes an optional name, which the run page shows", async ({ page }) => {
  await page.goto("/runs/new");
  await page.locator('input[name="name"]').fill("Labels e2e from the form");
  await page.locator('input[name="numIters"]').fill("20");
  await page.locator('input[name="batchSize"]').fill("20"); // the tiny data set has 400 training rows
  await page.getByRole("button", { name: "Start run" }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Labels e2e from the form");
  await expect(page.getByTestId("run-name")).toHaveText("Labels e2e from the form");
});

test("started again after its answer was lost, the New run form's run is queued once", async ({ page }) => {
  const NAMED = graphql(
    `query LabelsNamed($name: String!) { runs(first: 10, filter: { nameContains: $name }) { edges { cursor } } }`,
  );
  const name = "Labels e2e answer lost";
  const queued = async () => (await gql(NAMED, { name })).runs.edges.length;
  await loseFirstAnswer(page, "StartRun");
  await page.goto("/runs/new");
  await page.locator('input[name="name"]').fill(name);
  await page.locator('input[name="numIters"]').fill("20");
  await page.locator('input[name="batchSize"]').fill("20");
  const start = page.getByRole("button", { name: "Start run" });
  await start.click();
  // The form says the start failed (Next's route announcer is an alert too, outside the form).
  await expect(page.getByRole("form", { name: "New run" }).getByRole("alert")).toBeVisible();
  expect(await queued()).toBe(1); // though the run was queued
  await start.click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("run-name")).toHaveText(name);
  expect(await queued()).toBe(1);
});

test("started again after its answer was lost, the New sweep form's sweep is queued once", async ({ page }) => {
  const SWEEPS = graphql(`query LabelsSweeps { sweeps(first: 100) { edges { node { uuid } } } }`);
  const sweeps = async () => (await gql(SWEEPS, {})).sweeps.edges.map((e) => e.node.uuid);
  const before = await sweeps();
  await loseFirstAnswer(page, "StartSweep");
  await page.goto("/sweeps/new");
  for (const [field, value] of Object.entries({
    learningRates: "0.1",
    hiddenSizes: "8",
    regs: "1e-3",
    learningRateDecays: "0.95",
    numIters: "20",
    batchSize: "20",
  }))
    await page.locator(`[name="${field}"]`).fill(value);
  await page.locator('select[name="strategy"]').selectOption("GRID");
  const start = page.getByRole("button", { name: "Start sweep" });
  await start.click();
  await expect(page.getByRole("form", { name: "New sweep" }).getByRole("alert")).toBeVisible();
  expect(await sweeps()).toHaveLength(before.length + 1); // though the sweep was queued
  await start.click();
  await expect(page).toHaveURL(/\/sweeps\/[0-9a-f-]{36}$/);
  const after = await sweeps();
  expect(after).toHaveLength(before.length + 1);
  expect(page.url()).toContain(after.find((uuid) => !before.includes(uuid)));
});

test("tags and a Markdown note edited on the run page show there, safely, and in the runs list", async ({ page }) => {
  await page.goto(`/runs/${tagged}`);
  await page.getByRole("button", { name: "Edit name, tags and note" }).click();
  // A bad tag: the API's rule beside the field, and nothing saved.
  await page.locator("#run-tags").fill("e2e-tag bad!tag");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const tagsError = page.locator("#run-tags ~ .field-error");
  await expect(tagsError).toContainText("Tags must be 1 to 32 characters");
  await expect(tagsError).toContainText('got "bad!tag"');
  // Editing the field takes its refusal away (it stayed beside the corrected tags until the next Save).
  await page.locator("#run-tags").fill("e2e-tag");
  await expect(tagsError).toHaveCount(0);

  await page.locator("#run-name").fill("Labels e2e renamed");
  await page.locator("#run-tags").fill("e2e-tag, baseline");
  await page
    .locator("#run-note")
    .fill(
      '## Findings\n\nThe loss **plateaus** after epoch 2.\n\n<img src=x onerror="window.__xss=1"> [click](javascript:window.__xss=2)',
    );
  await page.getByRole("button", { name: "Save", exact: true }).click();

  const note = page.getByTestId("run-note");
  await expect(note.getByRole("heading", { name: "Findings" })).toBeVisible();
  await expect(note.locator("strong")).toHaveText("plateaus");
  // Raw HTML is not rendered, and a javascript: link loses its target.
  await expect(note.locator("img")).toHaveCount(0);
  expect(await note.getByRole("link", { name: "click" }).getAttribute("href")).not.toContain("javascript");
  expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  await expect(page.getByTestId("run-name")).toHaveText("Labels e2e renamed");
  await expect(page.getByTestId("run-labels").locator(".chip")).toHaveText(["e2e-tag", "baseline"]);
  await shot(page, "run-labels-note");

  // Saved on the server: a reload shows the same.
  await page.reload();
  await expect(page.getByTestId("run-labels").locator(".chip")).toHaveText(["e2e-tag", "baseline"]);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Labels e2e renamed");

  await page.goto("/");
  const row = page.locator(`tr[data-run-id="${tagged}"]`);
  await expect(row.getByTestId("group")).toContainText("Labels e2e renamed");
  await expect(row.locator(".chip")).toHaveText(["e2e-tag", "baseline"]);
  await shot(page, "runs-list-tags");
});

test("the runs list filters by tag (a chip click) and by name, kept in the address", async ({ page }) => {
  await page.goto("/");
  await page.locator(`tr[data-run-id="${tagged}"]`).getByRole("button", { name: "e2e-tag" }).click();
  await expect(page).toHaveURL(/[?&]tag=e2e-tag/);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator(`tr[data-run-id="${tagged}"]`)).toBeVisible();
  await shot(page, "runs-filtered-by-tag");

  // Opened by URL, the same list.
  await page.goto("/?tag=e2e-tag&tag=baseline");
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await page.getByRole("button", { name: "Remove tag filter e2e-tag" }).click();
  await page.getByRole("button", { name: "Remove tag filter baseline" }).click();
  await expect(page).not.toHaveURL(/tag=/);

  // Typed key by key, with a pause after the space: the list filters by "e2e" meanwhile, and the space
  // stays in the box for the next word.
  const nameFilter = page.getByLabel("Filter by name");
  await nameFilter.pressSequentially("e2e ");
  await expect(page).toHaveURL(/[?&]name=e2e(&|$)/);
  await expect(nameFilter).toHaveValue("e2e ");
  await nameFilter.pressSequentially("other");
  await expect(nameFilter).toHaveValue("e2e other");
  await expect(page).toHaveURL(/[?&]name=e2e\+other/);
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator(`tr[data-run-id="${other}"]`)).toBeVisible();
});

test("letters typed while the name filter's navigation is on its way stay in the box", async ({ page }) => {
  await page.goto("/");
  // The list's own navigations (router.replace: the page's server payload for the new address) are
  // held until released, as on a slow server: the typing goes on before the address changes.
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const held: string[] = [];
  await page.route(
    (url) => url.pathname === "/" && url.searchParams.has("name"),
    async (route) => {
      if (!route.request().headers().rsc) return route.fallback();
      held.push(new URL(route.request().url()).searchParams.get("name") ?? "");
      await released;
      return route.fallback();
    },
  );
  const nameFilter = page.getByLabel("Filter by name");
  // The first word in one input event (as pasted): typed key by key, a busy machine can pause between
  // keys for longer than the filter waits, and "e2" would be the navigation held.
  await nameFilter.fill("e2e");
  await expect.poll(() => held).toEqual(["e2e"]); // the pause filters: its navigation is under way
  await nameFilter.pressSequentially(" other");
  release();
  await expect(page).toHaveURL(/[?&]name=e2e\+other/);
  await expect(nameFilter).toHaveValue("e2e other");
  await expect(page.locator("tbody tr")).toHaveCount(1);
  await expect(page.locator(`tr[data-run-id="${other}"]`)).toBeVisible();
});

test("the runs list says when a run's test evaluation failed, and why", async ({ page }) => {
  // The stack cannot make an evaluation fail on demand: the list's answers reach the page with one
  // run's evaluation failed, as the API reports a failure (no testAcc, testError says why). Its Test
  // cell read "—", as if it had never been evaluated.
  const allow = await rewritten(page, "Runs", (data) => {
    const runs = data.runs as { edges: { node: { uuid: string; testAcc: number | null; testError: string | null } }[] };
    for (const { node } of runs.edges)
      if (node.uuid === other) Object.assign(node, { testAcc: null, testError: "checkpoint unreadable (e2e)" });
  });
  await page.goto("/");
  const failed = page.locator(`tr[data-run-id="${other}"] td span.error`);
  await expect(failed).toHaveText("failed");
  await expect(failed).toHaveAttribute("title", "checkpoint unreadable (e2e)");
  await allow();
});

test("the run page's CSV download parses back to the stored losses and epochs; the chart saves as PNG", async ({
  page,
}) => {
  const { run } = await gql(RUN, { id: tagged });
  await page.goto(`/runs/${tagged}`);
  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "CSV", exact: true }).click(),
  ]);
  expect(csv.suggestedFilename()).toBe(`run-${tagged}.csv`);
  const rows = parse(await readFile(await csv.path()), { columns: true }) as Record<string, string>[];
  const losses = rows.filter((r) => r.record === "iteration");
  expect(losses.map((r) => [Number(r.iteration), Number(r.loss)])).toEqual(
    run.lossHistory.map((p) => [p.iteration, p.loss]),
  );
  expect(
    rows
      .filter((r) => r.record === "epoch")
      .map((r) => ({
        epoch: Number(r.epoch),
        iteration: Number(r.iteration),
        loss: Number(r.loss),
        trainAcc: Number(r.train_acc),
        valAcc: Number(r.val_acc),
        learningRate: Number(r.learning_rate),
        elapsedMs: Number(r.elapsed_ms),
      })),
  ).toEqual(run.epochs);
  expect(rows.every((r) => r.run_name === "Labels e2e renamed" && r.hiddenSize === "10")).toBe(true);

  const [npz] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: ".npz", exact: true }).click(),
  ]);
  expect(npz.suggestedFilename()).toBe(`run-${tagged}-params.npz`);
  // A zip archive (np.load's .npz) holding the four arrays.
  const archive = await readFile(await npz.path());
  expect(archive.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  for (const name of ["W1.npy", "b1.npy", "W2.npy", "b2.npy"]) expect(archive.includes(name)).toBe(true);

  const [png] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Save chart as PNG: Loss per iteration" }).click(),
  ]);
  expect(png.suggestedFilename()).toBe("loss.png");
  const image = await readFile(await png.path());
  expect(image.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
});

test("the comparison downloads both runs as CSV", async ({ page }) => {
  await page.goto(`/compare?ids=${tagged},${other}`);
  const [csv] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "CSV", exact: true }).click(),
  ]);
  expect(csv.suggestedFilename()).toBe("compare-2-runs.csv");
  const rows = parse(await readFile(await csv.path()), { columns: true }) as Record<string, string>[];
  expect([...new Set(rows.map((r) => r.run_id))]).toEqual([tagged, other]);
  await shot(page, "compare-downloads");

  // A run listed twice is compared once (its two curves would share a name, which the charts refuse).
  await page.goto(`/compare?ids=${tagged},${tagged}`);
  await expect(page.getByRole("heading", { name: "Compare 1 run" })).toBeVisible();
  await expect(page.getByTestId("chart-loss").locator("canvas").first()).toBeVisible();
});

test("at phone width (390 px) the run page with its note and downloads fits the screen, a long name too", async ({
  page,
}) => {
  // A name may be one word of up to 120 characters: in the title and beside the tags, it wraps.
  const longName = "a-name-of-sixty-characters-without-one-space-to-wrap-at-0123";
  expect(longName).toHaveLength(60);
  await gql(RENAME, { id: tagged, name: longName });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/runs/${tagged}`);
  await expect(page.getByTestId("run-note")).toBeVisible();
  await expect(page.getByTestId("run-name")).toHaveText(longName);
  await expect(page.getByRole("link", { name: "JSON", exact: true })).toBeVisible();
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(await fits()).toBe(true);
  await page.getByRole("button", { name: "Edit name, tags and note" }).click();
  expect(await fits()).toBe(true);
  await shot(page, "run-labels-phone");
});
