// A run whose trainer is killed, in a real browser against the real stack: the API takes the run
// back once its heartbeat is stale, a trainer on another device resumes it from its checkpoint, and
// the run's page says so (each backend from the iteration it took over at, and why the first
// attempt ended) and the data set it trains on, live while it is open, on a cold load, and at phone width. Last on the open stack:
// it leaves that stack with the replacement trainer.
import { expect, test } from "@playwright/test";
import { graphql } from "@trainql/graphql";
import { control, gql, shot, until } from "./openStack.ts";

const START = graphql(`mutation InterruptedStart($input: StartRunInput!) { startRun(input: $input) { id uuid } }`);
const RUN = graphql(`
  query InterruptedRun($id: ID!) {
    run(id: $id) {
      status hasCheckpoint interruptions backendSpans { fromIteration backend device } data { fingerprint numTrain numVal }
    }
  }
`);

test("a run resumed on another device after its trainer was killed shows each backend and the interruption", async ({
  page,
}) => {
  // Up to 15 s for the API to see the trainer gone, and a few for the new one to load the data set.
  test.setTimeout(240_000);
  const { startRun } = await gql(START, {
    input: { name: "interrupted", hiddenSize: 16, batchSize: 20, numIters: 1_000_000, learningRate: 0.05 },
  });
  const read = async () => (await gql(RUN, { id: startRun.id })).run;
  await page.goto(`/runs/${startRun.uuid}`);
  await expect(page.getByTestId("run-status")).toHaveText("RUNNING");
  const [first] = (await until(
    "the run to start",
    async () => (await read())?.backendSpans.length === 1 && (await read())!.backendSpans,
  ))!;
  // A resume checkpoint (every 5 s on this stack) to come back to, so the new owner does not start over.
  await until("a checkpoint", async () => (await read())?.hasCheckpoint === true, 60_000);
  await expect(page.getByTestId("interruptions")).toHaveCount(0);

  await control("replace-trainer");
  const resumed = await until(
    "the run to resume on the new trainer",
    async () => {
      const run = await read();
      return run?.status === "RUNNING" && run.backendSpans.length === 2 && run;
    },
    120_000,
  );
  const [before, after] = resumed.backendSpans;
  expect(before).toEqual(first);
  expect(before!.fromIteration).toBe(0);
  expect(after!.fromIteration).toBeGreaterThan(0);
  expect(after!.device).not.toBe(before!.device);
  expect(resumed.interruptions).toHaveLength(1);
  expect(resumed.interruptions[0]).toMatch(/^attempt 1: trainer .* stopped making progress at iteration \d+/);

  // Live, on the page that was open all along: from the status events, no reload.
  const backend = page.getByTestId("run-backend");
  const spans = backend.getByRole("listitem");
  await expect(spans).toHaveText([
    `from iteration 0: ${before!.backend} — ${before!.device}`,
    `from iteration ${after!.fromIteration.toLocaleString("en-US")}: ${after!.backend} — ${after!.device}`,
  ]);
  await expect(backend).toContainText("not bit-identical");
  await expect(page.getByTestId("interruptions").getByRole("listitem")).toHaveText(resumed.interruptions);
  // The data set it trains on, the first trainer's: the new one resumed it because it has the same.
  const { numTrain, numVal, fingerprint } = resumed.data!;
  expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
  const dataText = `${numTrain!.toLocaleString("en-US")} training, ${numVal!.toLocaleString("en-US")} validation images (fingerprint ${fingerprint})`;
  await expect(page.getByTestId("run-data")).toHaveText(dataText);

  // Opened cold, and at phone width: the same facts, and nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/runs/${startRun.uuid}`);
  await expect(spans).toHaveCount(2);
  await expect(page.getByTestId("interruptions").getByRole("listitem")).toHaveText(resumed.interruptions);
  await expect(page.getByTestId("run-data")).toHaveText(dataText);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(page, "interruptions-01-resumed-on-another-device");
  await gql(graphql(`mutation InterruptedCancel($id: ID!) { cancelRun(id: $id) { id } }`), { id: startRun.id });
});
