// reproduceRun through the real API, queue and trainer: the same seed and hyperparameters retrained,
// its per-iteration losses compared bit for bit with the original's.
import { graphql } from "@trainql/graphql";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, gql, gqlOk, startApi, startTrainer, type TestServer, tinyDataset, waitFor } from "./harness.ts";

let databaseUrl: string;
let api: TestServer;

const START = graphql(`mutation StartOriginal($input: StartRunInput!) { startRun(input: $input) { uuid } }`);
const REPRODUCE = graphql(`
  mutation Reproduce($id: ID!) {
    reproduceRun(id: $id) { uuid status reproducedFrom { uuid } hyperparameters { seed hiddenSize learningRate numIters } }
  }
`);
const RUN = graphql(`
  query Reproduction($id: ID!) {
    run(id: $id) {
      status backend device hyperparameters { seed hiddenSize learningRate numIters }
      reproductions { uuid }
      reproduction { identical firstDifferenceIteration firstDifference maxAbsDifference sameBackend originalBackend }
    }
  }
`);

const INPUT = { hiddenSize: 8, numIters: 50, batchSize: 20, learningRate: 0.1, seed: 11 };

async function succeeded(id: string) {
  return waitFor(
    async () => {
      const { run } = await gqlOk(api.url, RUN, { id });
      if (run.status === "FAILED") throw new Error(`run ${id} failed`);
      return run.status === "SUCCEEDED" && run;
    },
    120_000,
    `run ${id} to succeed`,
  );
}

async function sql<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  await startTrainer(databaseUrl, dataDir);
});

describe("reproduceRun", () => {
  it("retrains a finished run with its seed and hyperparameters and finds every loss bit-identical", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: INPUT });
    const original = await succeeded(startRun.uuid);
    expect(original.reproduction).toBeNull();
    const { reproduceRun } = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    expect(reproduceRun.status).toBe("QUEUED");
    expect(reproduceRun.reproducedFrom?.uuid).toBe(startRun.uuid);
    expect(reproduceRun.hyperparameters).toEqual(original.hyperparameters);
    const reproduction = await succeeded(reproduceRun.uuid);
    expect(reproduction.reproduction).toEqual({
      identical: true,
      firstDifferenceIteration: null,
      firstDifference: null,
      maxAbsDifference: 0,
      sameBackend: true,
      originalBackend: original.backend,
    });
    const { run } = await gqlOk(api.url, RUN, { id: startRun.uuid });
    expect(run.reproductions.map((r) => r.uuid)).toEqual([reproduceRun.uuid]);
  });

  it("reports the first iteration where the losses differ, and by how much", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: { ...INPUT, seed: 12 } });
    await succeeded(startRun.uuid);
    // The original's stored loss at iteration 17 is changed by 0.25 (as if its run had diverged there).
    const changed = 17;
    const [chunk] = await sql<{ losses: Buffer }>(`SELECT losses FROM "LossChunk" WHERE "runId" = $1 AND chunk = 0`, [
      startRun.uuid,
    ]);
    const stored = chunk!.losses.readFloatLE(changed * 4);
    chunk!.losses.writeFloatLE(stored + 0.25, changed * 4);
    const injected = chunk!.losses.readFloatLE(changed * 4);
    await sql(`UPDATE "LossChunk" SET losses = $2 WHERE "runId" = $1 AND chunk = 0`, [startRun.uuid, chunk!.losses]);

    const { reproduceRun } = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    const { reproduction } = await succeeded(reproduceRun.uuid);
    expect(reproduction).toMatchObject({ identical: false, firstDifferenceIteration: changed, sameBackend: true });
    // The reproduction trained the true loss; the difference is against what the original stored.
    expect(reproduction!.firstDifference).toBe(stored - injected);
    expect(reproduction!.maxAbsDifference).toBe(Math.abs(stored - injected));
  });

  it("refuses runs that have not SUCCEEDED, and ids that are not runs", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: { ...INPUT, numIters: 100_000, seed: 13 } });
    const running = await gql(api.url, REPRODUCE, { id: startRun.uuid });
    expect(running.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(running.errors?.[0]?.message).toMatch(/only a SUCCEEDED run/);
    await gqlOk(api.url, graphql(`mutation CancelOriginal($id: ID!) { cancelRun(id: $id) { status } }`), {
      id: startRun.uuid,
    });
    expect((await gql(api.url, REPRODUCE, { id: "nope" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(
      (await gql(api.url, REPRODUCE, { id: "00000000-0000-4000-8000-000000000000" })).errors?.[0]?.extensions?.code,
    ).toBe("NOT_FOUND");
  });
});
