// Leaving a page that streams a live run, in a real browser against the real stack. Each event of a
// fast run re-rendered the page, and a link clicked meanwhile never finished navigating: every event
// interrupted the navigation (still on the page after 4 minutes). Events now reach the page in
// batches, as transitions. After the projects that count runs.
import { expect, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { gql } from "./openStack.ts";

const START = graphql(`mutation LiveNavStart($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const CANCEL = graphql(`mutation LiveNavCancel($id: ID!) { cancelRun(id: $id) { id } }`);

test("a link clicked on a live run's page, or on a comparison streaming it, navigates while the run trains", async ({
  page,
}) => {
  const { startRun: live } = await gql(START, { input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 } });
  try {
    for (const [address, heading] of [
      [`/runs/${live.uuid}`, /^Run /],
      [`/compare?ids=${live.uuid}`, /^Compare 1 run/],
    ] as const) {
      await page.goto(address);
      await expect(page.getByRole("heading", { level: 1 }).first()).toHaveText(heading);
      // Let it stream a while before the click.
      await expect(page.getByTestId("run-status").first()).toHaveText("RUNNING", { timeout: 60_000 });
      await page.waitForTimeout(3000);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sweeps" }).click();
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sweeps");
      expect(new URL(page.url()).pathname).toBe("/sweeps");
    }
  } finally {
    await gql(CANCEL, { id: live.id });
  }
});
