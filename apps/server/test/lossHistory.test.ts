// A divergence spike in 100,000 stored iterations reaches a chart whichever way the chart asks: the
// run's lossHistory downsampled to 1,000 points, and a late subscriber's catch-up (runEvents), both
// thinned by minMaxDownsample. (Even spacing or bucket means, used before, lost it or averaged it away.)
import { createDb } from "@trainql/db";
import { graphql } from "@trainql/graphql";
import { appendLosses } from "@trainql/runs";
import pg from "pg";
import { beforeAll, expect, it } from "vitest";
import {
  cleanup,
  collect,
  eventOf,
  freshDatabase,
  gqlOk,
  RUN_EVENTS,
  startApi,
  type TestServer,
  wsClient,
} from "./harness.ts";

const ITERATIONS = 100_000;
const SPIKE_AT = 73_456;
const SPIKE = 1e6; // exact in float32, as losses are stored

let api: TestServer;
let runId: string;
let losses: number[];

beforeAll(async () => {
  const url = await freshDatabase();
  api = await startApi(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanup(() => client.end());
  runId = (
    await client.query(
      `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters",
                          "weightScale", seed, iteration)
       VALUES (gen_random_uuid(), 'SUCCEEDED', 8, 0.1, 0.95, 0, 20, $1, 1e-4, 0, $1) RETURNING id::text`,
      [ITERATIONS],
    )
  ).rows[0].id as string;
  // A decaying loss with a little noise, in float32 as stored, and one spike.
  losses = Array.from({ length: ITERATIONS }, (_, i) => Math.fround(2.3 * Math.exp(-i / 20_000) + 0.05 * Math.sin(i)));
  losses[SPIKE_AT] = SPIKE;
  const db = createDb(url, 1);
  await db.$transaction((tx) => appendLosses(tx, runId, 0, losses), { timeout: 60_000 });
  await db.$disconnect();
});

const HISTORY = graphql(
  `query LossHistory($id: ID!) { run(id: $id) { lossHistory(maxPoints: 1000) { iteration loss } } }`,
);

it("lossHistory(maxPoints: 1000) keeps the spike, the lowest loss and the last iteration", async () => {
  const { run } = await gqlOk(api.url, HISTORY, { id: runId });
  const points = run.lossHistory;
  expect(points.length).toBeLessThanOrEqual(1000);
  expect(points).toContainEqual({ iteration: SPIKE_AT, loss: SPIKE });
  expect(points.at(-1)).toEqual({ iteration: ITERATIONS - 1, loss: losses[ITERATIONS - 1] });
  const lowest = Math.min(...losses);
  expect(points).toContainEqual({ iteration: losses.indexOf(lowest), loss: lowest });
  // Every point is a stored loss at its own iteration.
  for (const p of points) expect(p.loss).toBe(losses[p.iteration]);
});

it("a late subscriber's catch-up keeps it too", async () => {
  const client = wsClient(api.url);
  cleanup(() => client.dispose());
  const events = await collect(client, RUN_EVENTS, { runId }, () => false, 20_000);
  const catchUp = eventOf(events[0], "RunLossesEvent");
  expect(catchUp?.fromIteration).toBe(0);
  expect(catchUp?.toIteration).toBe(ITERATIONS);
  expect(catchUp?.points).toContainEqual({ iteration: SPIKE_AT, loss: SPIKE });
});
