// Seed groups and reproductions in a real browser: a 3-seed group started from the New run form, its
// page's mean ± std against the members' own numbers (recomputed here), the group by URL, bad ids, a
// phone's width, the comparison of groups (by URL and from the compare page's picker), and a finished
// run reproduced bit-identically.
import { expect, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { gql, refused, rewritten, rewrittenEvents, shot } from "./openStack.ts";

test.describe.configure({ mode: "serial" });

const MEMBERS = graphql(`
  query GroupMembers($id: ID!) {
    runGroup(id: $id) {
      runs { uuid status finalValAcc hyperparameters { seed } epochs { epoch valAcc } valConfusion { classes classAccuracy } }
    }
  }
`);

const SWEEP_GROUPS = graphql(`query SweepGroups($id: ID!) { sweep(id: $id) { groups { uuid runs { uuid } } } }`);
const BEST_RUN = graphql(`query SweepBestRun($id: ID!) { sweep(id: $id) { bestRun { id uuid } } }`);
const EVALUATE = graphql(`mutation EvaluateRun($id: ID!) { evaluateTest(runId: $id) { id } }`);

/** Mean ± sample std (n − 1) as the group page prints accuracies, computed here from the members. */
function meanStdText(values: number[]): string {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
  return `${(mean * 100).toFixed(2)}% ± ${(std * 100).toFixed(2)}%`;
}

let groupUuid = "";
let memberUuid = "";
let sweepUuid = "";

test("a 3-seed group started from the New run form shows its mean curves with ± std bands and mean ± std", async ({
  page,
}) => {
  await page.goto("/runs/new");
  const fields = { hiddenSize: "8", numIters: "60", batchSize: "20", learningRate: "0.1", reg: "0.001" };
  for (const [name, value] of Object.entries(fields)) await page.locator(`input[name="${name}"]`).fill(value);
  // A repeated seed is refused in the browser, in the API's words, next to the field.
  await page.locator('input[name="seeds"]').fill("1, 2, 1");
  await page.getByRole("button", { name: "Start seed group" }).click();
  await expect(page.locator("#seeds-error")).toHaveText(
    "Seeds must be distinct; 1 repeated: each seed trains one run, list it once",
  );
  await page.locator('input[name="seeds"]').fill("1, 2, 3");
  await page.getByRole("button", { name: "Start seed group" }).click();
  await page.waitForURL(/\/groups\/[0-9a-f-]{36}$/);
  groupUuid = page.url().split("/").at(-1)!;

  await expect(page.getByTestId("group-progress")).toHaveText("3 of 3 seeds finished", { timeout: 90_000 });
  const { runGroup } = await gql(MEMBERS, { id: groupUuid });
  expect(runGroup.runs.map((r) => r.hyperparameters.seed)).toEqual([1, 2, 3]);
  memberUuid = runGroup.runs[0]!.uuid;
  const finalText = meanStdText(runGroup.runs.map((r) => r.finalValAcc!));
  await expect(page.getByTestId("group-final-val")).toHaveText(finalText);
  await expect(page.getByTestId("group-mean-row")).toContainText(finalText);
  // Each class's accuracy over the seeds, against the members' confusion matrices.
  const classes = runGroup.runs[0]!.valConfusion!.classes;
  for (const [c, name] of classes.entries()) {
    const values = runGroup.runs.map((r) => r.valConfusion!.classAccuracy[c]!);
    await expect(page.locator(`tr[data-class="${name}"] [data-testid="class-val"]`)).toHaveText(meanStdText(values));
  }
  // The band's values per epoch, against the members' epochs.
  await page.getByText("Per epoch: mean ± std").click();
  for (const { epoch } of runGroup.runs[0]!.epochs) {
    const values = runGroup.runs.map((r) => r.epochs.find((e) => e.epoch === epoch)!.valAcc);
    await expect(page.locator(`tr[data-epoch="${epoch}"] [data-testid="epoch-val"]`)).toHaveText(meanStdText(values));
  }
  for (const chart of ["group-val-accuracy", "group-train-accuracy", "group-loss"])
    await expect(page.getByTestId(`chart-${chart}`).locator("canvas").first()).toBeVisible();
  await shot(page, "60-seed-group");
});

test("a group opens by URL, links to and from its members, compares as a band, and bad ids are not found", async ({
  page,
}) => {
  await page.goto(`/groups/${groupUuid}`);
  await expect(page.locator("main h1")).toContainText("Seed group");
  await expect(page.locator('table[aria-label="Members of the group"] tbody tr')).toHaveCount(3);
  // A refused test evaluation says why, and the button comes back rather than wait for results.
  const allow = await refused(page, "EvaluateGroupMember");
  const evaluate = page.getByRole("button", { name: "Evaluate members on test set" });
  await evaluate.click();
  await expect(page.locator("p.error")).toContainText("does not exist");
  await expect(evaluate).toBeEnabled();
  await allow();
  await page.goto(`/runs/${memberUuid}`);
  await page.getByRole("link", { name: groupUuid.slice(0, 8) }).click();
  await page.waitForURL(`**/groups/${groupUuid}`);
  // The runs list links a member's group too, beside its name.
  await page.goto("/");
  const member = page.locator(`tr[data-run-id="${memberUuid}"]`).getByTestId("group");
  await member.getByRole("link", { name: `seed group ${groupUuid.slice(0, 8)}` }).click();
  await page.waitForURL(`**/groups/${groupUuid}`);

  await page.goto(`/compare?groups=${groupUuid}`);
  await expect(page.getByRole("heading", { name: "Seed groups: mean ± std" })).toBeVisible();
  await expect(page.locator(`tr[data-group-id="${groupUuid}"]`)).toContainText(/\d+\.\d\d% ± \d+\.\d\d%/);
  // What the mean is over: a group whose members failed reads more than "—".
  await expect(page.locator(`tr[data-group-id="${groupUuid}"] [data-testid="group-members"]`)).toHaveText(
    "3 of 3 seeds finished",
  );
  await expect(page.getByTestId("chart-group-val-accuracy").locator("canvas").first()).toBeVisible();
  await shot(page, "61-compare-groups");

  for (const bad of ["garbage", "00000000-0000-4000-8000-000000000000"]) {
    const response = await page.goto(`/groups/${bad}`);
    expect(response?.status()).toBe(404);
    await expect(page.getByTestId("not-found")).toContainText("No such seed group");
  }
});

test("Evaluate members: a member whose evaluation fails counts as done, its reason is listed, and the button comes back", async ({
  page,
}) => {
  // The stack cannot make an evaluation fail on demand: the group's refreshes reach the page with one
  // member's evaluation failed, as the API reports a failure (no testAcc, testError says why). The
  // others are evaluated for real. The page used to wait for that member's accuracy forever, still
  // refreshing, its button off.
  const { runGroup } = await gql(MEMBERS, { id: groupUuid });
  const failing = runGroup.runs[0]!;
  const allow = await rewritten(page, "GroupLive", (data) => {
    const group = data.runGroup as { runs: { uuid: string; testAcc: number | null; testError: string | null }[] };
    for (const run of group.runs)
      if (run.uuid === failing.uuid) Object.assign(run, { testAcc: null, testError: "checkpoint unreadable (e2e)" });
  });
  await page.goto(`/groups/${groupUuid}`);
  const evaluate = page.getByRole("button", { name: "Evaluate members on test set" });
  await evaluate.click();
  await expect(page.getByRole("button", { name: "Evaluating on the test set…" })).toBeDisabled();
  // The other members get their accuracy; then the wait ends, with the failure and its reason.
  for (const { uuid } of runGroup.runs.slice(1))
    await expect(page.locator(`tr[data-run-id="${uuid}"] td`).last()).toHaveText(/^\d+\.\d\d%$/, { timeout: 60_000 });
  await expect(evaluate).toBeEnabled({ timeout: 10_000 });
  const reasons = page.getByTestId("group-test-errors");
  await expect(reasons).toContainText("failed for 1 member");
  await expect(reasons).toContainText(
    `seed ${failing.hyperparameters.seed} (${failing.uuid.slice(0, 8)}): checkpoint unreadable (e2e)`,
  );
  await expect(page.locator(`tr[data-run-id="${failing.uuid}"] td`).last()).toHaveText("failed");
  await shot(page, "67-group-evaluation-failed");
  await allow();
});

test("the compare page's picker compares the seed groups of the chosen runs, each group once", async ({ page }) => {
  const { runGroup } = await gql(MEMBERS, { id: groupUuid });
  await page.goto("/compare");
  const byGroups = page.getByRole("button", { name: /^Compare their/ });
  await expect(byGroups).toBeDisabled();
  for (const { uuid } of runGroup.runs.slice(0, 2)) await page.getByLabel(`select run ${uuid}`).check();
  await expect(page.getByRole("button", { name: "Compare 2 runs" })).toBeEnabled();
  await expect(byGroups).toHaveText("Compare their 1 seed group");
  await byGroups.click();
  await page.waitForURL(`**/compare?groups=${groupUuid}`);
  await expect(page.locator("main h1")).toHaveText("Compare seed groups");
  await expect(page.locator(`tr[data-group-id="${groupUuid}"]`)).toContainText(/\d+\.\d\d% ± \d+\.\d\d%/);
});

test("after Back, the compare page's picker shows that comparison's runs, not the choices made on the next", async ({
  page,
}) => {
  const { runGroup } = await gql(MEMBERS, { id: groupUuid });
  const [a, b, c] = runGroup.runs.map((r) => r.uuid) as [string, string, string];
  await page.goto(`/compare?ids=${a},${b}`);
  await expect(page.getByLabel(`select run ${a}`)).toBeChecked();
  await page.getByLabel(`select run ${c}`).check();
  await page.getByRole("button", { name: "Compare 3 runs" }).click();
  await page.waitForURL(`**/compare?ids=${a},${b},${c}`);
  const compared = page.getByRole("table", { name: "Hyperparameters of the compared runs" }).locator("tbody tr");
  await expect(compared).toHaveCount(3);
  await page.goBack();
  await page.waitForURL(`**/compare?ids=${a},${b}`);
  await expect(compared).toHaveCount(2);
  await expect(page.getByLabel(`select run ${c}`)).not.toBeChecked();
  await expect(page.getByRole("button", { name: "Compare 2 runs" })).toBeVisible();
});

test("at phone width (390 px) the group and its comparison fit the screen", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [path, name] of [
    [`/groups/${groupUuid}`, "62-phone-group"],
    [`/compare?groups=${groupUuid}`, "63-phone-compare-groups"],
  ] as const) {
    await page.goto(path);
    await expect(page.locator("main h1")).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
    await shot(page, name);
  }
});

test("a sweep from its form with seeds repeats each trial and ranks the trials by their mean, live", async ({
  page,
}) => {
  await page.goto("/sweeps/new");
  await page.locator('select[name="strategy"]').selectOption("GRID");
  const fields = {
    learningRates: "0.02, 0.3",
    hiddenSizes: "8",
    regs: "1e-3",
    learningRateDecays: "0.95",
    numIters: "40",
    batchSize: "20",
    seeds: "1, 2",
  };
  for (const [name, value] of Object.entries(fields)) await page.locator(`input[name="${name}"]`).fill(value);
  await expect(page.getByTestId("sweep-plan")).toHaveText(
    "Will train 2 trials × 2 seeds, ranked by their mean, 160 iterations in all.",
  );
  await page.getByRole("button", { name: "Start sweep" }).click();
  await page.waitForURL(/\/sweeps\/[0-9a-f-]{36}$/);
  sweepUuid = page.url().split("/").at(-1)!;
  const ranked = page.getByRole("table", { name: "Trials ranked by mean over seeds" }).locator("tbody tr");
  await expect(ranked).toHaveCount(2);
  // Trials counted as the form counted them, not one per seed's run.
  await expect(page.locator("main h1")).toContainText("Grid, 2 trials × 2 seeds");
  // The page follows the sweep live: both groups fill in without a reload.
  for (const row of await ranked.all()) await expect(row).toContainText("2 / 2", { timeout: 90_000 });
  await expect(ranked.first()).toContainText(/\d+\.\d\d% ± \d+\.\d\d%/);
  await expect(page.getByTestId("best-test")).toHaveText(/^\d+\.\d\d%$/, { timeout: 60_000 });
  await expect(page.getByText("Live updates failed")).toHaveCount(0);
  await shot(page, "65-sweep-seeds");
});

test("a seed group's comparison adds the groups of the runs picked below it", async ({ page }) => {
  const { sweep } = await gql(SWEEP_GROUPS, { id: sweepUuid });
  const other = sweep.groups[0]!;
  await page.goto(`/groups/${groupUuid}`);
  await page.getByRole("link", { name: "Compare with other groups" }).click();
  await page.waitForURL(`**/compare?groups=${groupUuid}`);
  // (It led to this group alone, with nothing to add another by.)
  const add = page.getByRole("button", { name: /^Add their/ });
  await expect(add).toBeDisabled();
  await page.getByLabel(`select run ${other.runs[0]!.uuid}`).check();
  await expect(add).toHaveText("Add their 1 seed group");
  await add.click();
  await page.waitForURL(`**/compare?groups=${groupUuid},${other.uuid}`);
  await expect(page.locator('table[aria-label="Compared seed groups"] tbody tr')).toHaveCount(2);
});

test("a sweep's page ends its wait for the best model's test accuracy when the evaluation fails, and Evaluate again asks anew", async ({
  page,
}) => {
  // As for a group's members: the sweep's events reach the page first with its best run still being
  // evaluated, then, once a real evaluation of it ends, with that evaluation failed, as the API
  // reports a failure (no testAcc, testError says why). The page must not say "evaluating…" forever.
  const { sweep } = await gql(BEST_RUN, { id: sweepUuid });
  const best = sweep.bestRun!;
  let outcome: { testAcc: null; testError: string | null } = { testAcc: null, testError: null };
  const stopEditing = await rewrittenEvents(page, "SweepEvents", (data) => {
    type Trial = { uuid: string; testAcc: number | null; testError: string | null };
    const { sweep } = data.sweepEvents as { sweep: { bestRun: Trial | null; trials: Trial[] } };
    for (const run of [sweep.bestRun, ...sweep.trials]) if (run?.uuid === best.uuid) Object.assign(run, outcome);
  });
  await page.goto(`/sweeps/${sweepUuid}`);
  const bestTest = page.getByTestId("best-test");
  await expect(bestTest).toHaveText("evaluating…");
  outcome = { testAcc: null, testError: "checkpoint unreadable (e2e)" };
  await gql(EVALUATE, { id: best.id });
  await expect(page.getByTestId("best-test-error")).toContainText(
    "The evaluation on the test set failed: checkpoint unreadable (e2e)",
    { timeout: 60_000 },
  );
  const again = page.getByRole("button", { name: "Evaluate again" });
  await expect(again).toBeEnabled();
  await shot(page, "69-sweep-evaluation-failed");

  // Asked again from the page, its outcome as the API reports it this time.
  stopEditing();
  await again.click();
  await expect(bestTest).toHaveText(/^\d+\.\d\d%$/, { timeout: 60_000 });
  await expect(page.getByTestId("best-test-error")).toHaveCount(0);
});

test("a finished sweep whose best run was deleted says so, not that no trial finished", async ({ page }) => {
  // As the API reports such a sweep: SUCCEEDED, with no bestRun (deleting a run forgets it as best).
  await rewrittenEvents(page, "SweepEvents", (data) => {
    (data.sweepEvents as { sweep: { bestRun: unknown } }).sweep.bestRun = null;
  });
  await page.goto(`/sweeps/${sweepUuid}`);
  await expect(page.getByTestId("best-model")).toContainText(
    "The best model was chosen, but its run was deleted since.",
  );
  await expect(page.getByText("No trial finished training.")).toHaveCount(0);
});

test("Reproduce on a finished run trains it again and shows it reproduced bit-identically", async ({ page }) => {
  await page.goto(`/runs/${memberUuid}`);
  await page.getByRole("button", { name: "Reproduce" }).click();
  await page.waitForURL((url) => /\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(memberUuid));
  const reproduction = page.url().split("/").at(-1)!;
  await expect(page.getByTestId("reproduction-badge")).toHaveText("reproduced bit-identically", { timeout: 90_000 });
  await expect(page.getByRole("link", { name: memberUuid.slice(0, 8) })).toBeVisible();
  await shot(page, "64-reproduced");

  // Compared beside another seed, the run and its reproduction differ in nothing the labels name
  // (seed 1 both): each curve still gets a label of its own, and the page draws them all.
  const { runGroup } = await gql(MEMBERS, { id: groupUuid });
  await page.goto(`/compare?ids=${memberUuid},${reproduction},${runGroup.runs[1]!.uuid}`);
  await expect(page.getByRole("heading", { name: "Compare 3 runs" })).toBeVisible();
  const labels = page
    .getByRole("table", { name: "Hyperparameters of the compared runs" })
    .locator("tbody tr td:first-child");
  await expect(labels).toHaveText([
    `seed 1 (${memberUuid.slice(0, 8)})`,
    `seed 1 (${reproduction.slice(0, 8)})`,
    "seed 2",
  ]);
  for (const chart of ["loss", "train-accuracy", "val-accuracy"])
    await expect(page.getByTestId(`chart-${chart}`).locator("canvas").first()).toBeVisible();
  await expect(page.getByText("Something went wrong")).toHaveCount(0);
});

test("a study launched from Experiments with 2 seeds per run compares its settings as seed groups", async ({
  page,
}) => {
  await page.goto("/experiments");
  await page.getByLabel("Batch size").fill("20");
  await page.getByLabel("Seeds per run").fill("2");
  const study = page.locator(".card", { hasText: "Regularization" });
  // Text that is no number is refused by name, and nothing is launched (it used to go out as null,
  // and the runs trained the API's default number of iterations).
  await page.getByLabel("Iterations").fill("3,000");
  await study.getByRole("button", { name: "Launch 4 seed groups" }).click();
  await expect(page.locator(".field-error")).toHaveText('Iterations must be a number; got "3,000"');
  await expect(page).toHaveURL(/\/experiments$/);
  await page.getByLabel("Iterations").fill("20");
  await study.getByRole("button", { name: "Launch 4 seed groups" }).click();
  await page.waitForURL(/\/compare\?groups=.*&study=Regularization/);
  await expect(page.getByRole("heading", { name: "Regularization study: compare 4 seed groups" })).toBeVisible();
  const groupIds = new URL(page.url()).searchParams.get("groups")!.split(",");
  expect(groupIds).toHaveLength(4);
  // Each setting is one group of two runs, seeds 1 and 2, with the study's regularization.
  for (const id of groupIds) {
    const { runGroup } = await gql(MEMBERS, { id });
    expect(runGroup.runs.map((r) => r.hyperparameters.seed).sort()).toEqual([1, 2]);
  }
  // Without a reload, as the members finish, each group's row fills in with its mean ± std.
  for (const id of groupIds)
    await expect(page.locator(`tr[data-group-id="${id}"]`)).toContainText(/\d+\.\d\d% ± \d+\.\d\d%/, {
      timeout: 120_000,
    });
  await shot(page, "66-experiment-seed-groups");
});

test("a study whose third run the API refuses links the two it started, and opens their comparison", async ({
  page,
}) => {
  await page.goto("/experiments");
  await page.getByLabel("Iterations").fill("20");
  await page.getByLabel("Batch size").fill("20");
  // The study's third startRun goes out with a setting the API refuses, as it refuses a run over its
  // limits (a full queue, a batch too large for a trainer).
  let starts = 0;
  await page.route("**/graphql", (route) => {
    const body = route.request().postDataJSON() as {
      operationName?: string;
      variables?: { input?: Record<string, unknown> };
    } | null;
    if (body?.operationName !== "StartRun" || ++starts !== 3) return route.fallback();
    const variables = { ...body.variables, input: { ...body.variables?.input, numIters: -1 } };
    return route.continue({ postData: JSON.stringify({ ...body, variables }) });
  });
  await page.getByRole("button", { name: "Launch 4 runs" }).first().click();
  await expect(page.locator("p.error")).toHaveText(/\S/);
  await expect(page).toHaveURL(/\/experiments$/);
  // The two runs started before the refusal are linked (they were out of sight), with their comparison.
  const halfway = page.getByTestId("study-halfway");
  await expect(halfway.getByRole("listitem")).toHaveText(["Capacity study: hidden 2", "Capacity study: hidden 8"]);
  await shot(page, "70-study-halfway");
  await halfway.getByRole("link", { name: "Compare the 2 runs launched" }).click();
  await page.waitForURL(/\/compare\?ids=.*&study=Capacity/);
  await expect(page.getByRole("heading", { name: "Capacity study: compare 2 runs" })).toBeVisible();
});
