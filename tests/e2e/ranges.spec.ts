// A sweep drawn from ranges, in a real browser against the real stack: typed as min..max in the new-
// sweep form, refused where it cannot run, planned as maxTrials draws, and shown on the sweep's page as
// the ranges with what they drew and a scatter plot of the trials. After the projects that count runs.
import { expect, test } from "@playwright/test";
import { fill, shot, submitOnce } from "./openStack.ts";

test("a sweep drawn from a log-uniform range shows the range, what it drew and each trial as a point", async ({
  page,
}) => {
  await page.goto("/sweeps/new");
  await fill(page, {
    learningRates: "0.02..0.6",
    hiddenSizes: "8..16 linear",
    regs: "1e-3",
    numIters: "40",
    batchSize: "20",
  });
  // A range has no grid to run: the form says so at the field, before anything is sent.
  await page.locator('select[name="strategy"]').selectOption("GRID");
  await page.getByRole("button", { name: "Start sweep" }).click();
  await expect(page.locator("#learningRates-error")).toContainText(
    "GRID runs every combination of listed values, and a range has none",
  );
  await page.locator('select[name="strategy"]').selectOption("RANDOM");
  await fill(page, { maxTrials: "4", regs: "0..1e-3" });
  await page.getByRole("button", { name: "Start sweep" }).click();
  await expect(page.locator("#regs-error")).toContainText("min must be above 0 on a LOG scale");
  await fill(page, { regs: "1e-3" });
  await expect(page.getByTestId("sweep-plan")).toHaveText("Will train 4 trials, 160 iterations in all.");
  await shot(page, "71-sweep-ranges-form");

  await submitOnce(page, page.getByRole("button", { name: "Start sweep" }), /\/sweeps\/[0-9a-f-]{36}$/);
  const sweepUrl = page.url();
  await expect(page.getByTestId("searched-learningRates")).toHaveText(/^0\.02 … 0\.6, log-uniform \(4 drawn\)$/);
  await expect(page.getByTestId("searched-hiddenSizes")).toHaveText(/^8 … 16, uniform \([1-4] drawn\)$/);
  await expect(page.getByTestId("searched-regs")).toHaveText("0.001");
  await expect(page.getByTestId("sweep-iters")).toContainText("every trial trained in full: 160");
  await expect(page.getByRole("table", { name: "Trials" }).locator("tbody tr")).toHaveCount(4);
  await expect(page.getByTestId("best-test")).toHaveText(/^\d+\.\d\d%$/, { timeout: 90_000 });
  // Learning rate × hidden size, both drawn: a point per trial, not a heatmap of 4 × 4 mostly empty cells.
  await expect(page.getByTestId("chart-scatter").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("chart-heatmap")).toHaveCount(0);
  // The learning rates drawn, each inside the range, listed by the trials.
  const lrs = (
    await page.getByRole("table", { name: "Trials" }).locator("tbody tr td:nth-child(3)").allTextContents()
  ).map(Number);
  expect(new Set(lrs).size).toBe(4);
  for (const lr of lrs) expect(lr >= 0.02 && lr <= 0.6, `${lr} within 0.02..0.6`).toBe(true);
  await shot(page, "72-sweep-ranges");
  // Regularization on the x axis and a listed value (one regularization) on the other: still points.
  await page.getByLabel("Heatmap x axis").selectOption("reg");
  await expect(page.getByTestId("chart-scatter").locator("canvas").first()).toBeVisible();

  // As users arrive: a cold load of the address, at phone width.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(sweepUrl);
  await expect(page.getByTestId("searched-learningRates")).toHaveText(/log-uniform \(4 drawn\)$/);
  await expect(page.getByTestId("chart-scatter").locator("canvas").first()).toBeVisible();
  await shot(page, "73-phone-sweep-ranges");
});
