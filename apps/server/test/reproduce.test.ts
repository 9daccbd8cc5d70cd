// reproduceRun through the real API, queue and trainer: the same seed and hyperparameters retrained,
// its per-iteration losses compared bit for bit with the original's.
import { graphql } from "@trainql/graphql";
import { decodeCheckpoint, encodeCheckpoint } from "@trainql/nn/checkpointFormat";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  freshDatabase,
  gql,
  gqlOk,
  startApi,
  startTrainer,
  type TestServer,
  type TrainerProcess,
  tinyDataset,
  waitFor,
} from "./harness.ts";

let databaseUrl: string;
let api: TestServer;
let dataDir: string;
let trainer: TrainerProcess;

const START = graphql(`mutation StartOriginal($input: StartRunInput!) { startRun(input: $input) { uuid } }`);
const REPRODUCE = graphql(`
  mutation Reproduce($id: ID!) {
    reproduceRun(id: $id) { uuid status reproducedFrom { uuid data { fingerprint numTrain numVal } } data { fingerprint numTrain numVal } hyperparameters { seed hiddenSize learningRate numIters } }
  }
`);
const RUN = graphql(`
  query Reproduction($id: ID!) {
    run(id: $id) {
      status backend device hyperparameters { seed hiddenSize learningRate numIters }
      backendSpans { fromIteration backend device }
      reproductions { uuid }
      reproduction { identical firstDifferenceIteration firstDifference maxAbsDifference finalParametersIdentical sameBackend originalBackend originalDevice }
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
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  trainer = await startTrainer(databaseUrl, dataDir);
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
    // Queued on the original's data set: on another it could not be the same run.
    expect(reproduceRun.reproducedFrom?.data?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(reproduceRun.data).toEqual(reproduceRun.reproducedFrom?.data);
    const reproduction = await succeeded(reproduceRun.uuid);
    expect(reproduction.reproduction).toEqual({
      identical: true,
      firstDifferenceIteration: null,
      firstDifference: null,
      maxAbsDifference: 0,
      finalParametersIdentical: true,
      sameBackend: true,
      originalBackend: original.backend,
      originalDevice: original.device,
    });
    const { run } = await gqlOk(api.url, RUN, { id: startRun.uuid });
    expect(run.reproductions.map((r) => r.uuid)).toEqual([reproduceRun.uuid]);
    const trainedOn = [{ fromIteration: 0, backend: original.backend, device: original.device }];
    expect(run.backendSpans).toEqual(trainedOn);
    expect(reproduction.backendSpans).toEqual(trainedOn);

    // Had the original been resumed on another device part way (as a trainer of another kind resumes
    // an interrupted run), the two were not trained alike, though the last backend is the same.
    await sql(
      `INSERT INTO "BackendSpan" ("runId", "fromIteration", "backend", "device") VALUES ($1, 20, 'webgpu', 'a GPU')`,
      [startRun.uuid],
    );
    await sql(`INSERT INTO "BackendSpan" ("runId", "fromIteration", "backend", "device") VALUES ($1, 30, $2, $3)`, [
      startRun.uuid,
      original.backend,
      original.device,
    ]);
    const again = await gqlOk(api.url, RUN, { id: reproduceRun.uuid });
    expect(again.run.reproduction).toMatchObject({ sameBackend: false, originalBackend: original.backend });
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

  it("compares the final parameters too, which no loss shows, and not the checkpoint's header", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: { ...INPUT, seed: 14 } });
    await succeeded(startRun.uuid);
    const [row] = await sql<{ data: Buffer }>(`SELECT data FROM "Checkpoint" WHERE "runId" = $1`, [startRun.uuid]);
    const original = decodeCheckpoint(row!.data);
    // A header of another length and backend (as another trainer writes it), the same parameters:
    const rewrite = (values: typeof original.values) =>
      sql(`UPDATE "Checkpoint" SET data = $2 WHERE "runId" = $1`, [
        startRun.uuid,
        encodeCheckpoint({ header: { ...original.header, backend: "a backend of a longer name" }, values }),
      ]);
    await rewrite(original.values);
    const same = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    expect((await succeeded(same.reproduceRun.uuid)).reproduction).toMatchObject({
      identical: true,
      finalParametersIdentical: true,
    });
    // The last update differing by one ulp in one number, as a last step's would (its loss is taken
    // before it):
    const b2 = Float32Array.from(original.values.b2);
    new Uint32Array(b2.buffer)[b2.length - 1]! ^= 1;
    await rewrite({ ...original.values, b2 });
    const other = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    expect((await succeeded(other.reproduceRun.uuid)).reproduction).toMatchObject({
      identical: true,
      finalParametersIdentical: false,
    });
    // An original without its final checkpoint: the losses alone are compared, and it says so.
    await sql(`DELETE FROM "Checkpoint" WHERE "runId" = $1`, [startRun.uuid]);
    const unchecked = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    expect((await succeeded(unchecked.reproduceRun.uuid)).reproduction).toMatchObject({
      identical: true,
      finalParametersIdentical: null,
    });
  });

  it("refuses runs that have not SUCCEEDED, and ids that are not runs", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: { ...INPUT, numIters: 100_000, seed: 13 } });
    const running = await gql(api.url, REPRODUCE, { id: startRun.uuid });
    expect(running.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    expect(running.errors?.[0]?.message).toMatch(/only a SUCCEEDED run/);
    await gqlOk(api.url, graphql(`mutation CancelOriginal($id: ID!) { cancelRun(id: $id) { status } }`), {
      id: startRun.uuid,
    });
    // Once it has stopped, it keeps no epoch checkpoint (it may have trained a few epochs, and kept
    // them, before the cancel reached it).
    await waitFor(
      async () =>
        (await sql<{ status: string }>(`SELECT status FROM "Run" WHERE id = $1`, [startRun.uuid]))[0]?.status ===
        "CANCELLED",
      30_000,
      "the original to stop",
    );
    await sql(`DELETE FROM "EpochCheckpoint" WHERE "runId" = $1`, [startRun.uuid]);
    // A fork (as forkRun leaves one, here written directly) whose parent's epoch checkpoint is gone.
    const [forkRow] = await sql<{ id: string }>(
      `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, iteration, "forkedFromId", "forkedAtEpoch", "learningRateFromEpoch")
       VALUES (gen_random_uuid(), 'SUCCEEDED', 8, 0.05, 0.95, 0, 20, 50, 1e-4, 11, 50, $1, 1, 2) RETURNING id::text`,
      [startRun.uuid],
    );
    const fork = await gql(api.url, REPRODUCE, { id: forkRow!.id });
    expect(fork.errors?.[0]?.extensions?.code).toBe("CONFLICT");
    // (Reproduced by forking its parent again at that epoch: see epochHistory.test.ts. Here the parent
    // keeps no checkpoint of it.)
    expect(fork.errors?.[0]?.message).toMatch(
      new RegExp(`is a fork of run ${startRun.uuid} after epoch 1, and that run no longer keeps epoch 1's checkpoint`),
    );
    expect((await gql(api.url, REPRODUCE, { id: "nope" })).errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(
      (await gql(api.url, REPRODUCE, { id: "00000000-0000-4000-8000-000000000000" })).errors?.[0]?.extensions?.code,
    ).toBe("NOT_FOUND");
  });

  it("says when the reproduction ran on another BLAS thread count, and compares it all the same", async () => {
    await trainer.stop();
    const one = await startTrainer(databaseUrl, dataDir, { TRAINQL_BLAS_THREADS: "1" });
    // Large enough products for OpenBLAS to split them across threads.
    const input = { hiddenSize: 256, numIters: 40, batchSize: 200, learningRate: 0.1, seed: 21 };
    const { startRun } = await gqlOk(api.url, START, { input });
    const original = await succeeded(startRun.uuid);
    await one.stop();
    await startTrainer(databaseUrl, dataDir, { TRAINQL_BLAS_THREADS: "2" });
    const { reproduceRun } = await gqlOk(api.url, REPRODUCE, { id: startRun.uuid });
    const reproduced = await succeeded(reproduceRun.uuid);
    if (!/matrix products on/.test(original.device ?? "")) return; // no native BLAS here: nothing to vary
    expect(original.device).toMatch(/OpenBLAS .*, 1 thread,/);
    expect(reproduced.device).toMatch(/OpenBLAS .*, 2 threads,/);
    expect(reproduced.reproduction).toMatchObject({ sameBackend: false, originalDevice: original.device });
    const verdict = reproduced.reproduction!;
    // Either way the verdict is complete: identical, or where and by how much it differs.
    if (verdict.identical) expect(verdict.firstDifferenceIteration).toBeNull();
    else expect(verdict.firstDifferenceIteration).toBeGreaterThanOrEqual(0);
  });
});
