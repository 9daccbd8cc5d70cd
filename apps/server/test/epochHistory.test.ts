// What a run keeps of its past epochs — weights images (the run page's slider) and parameters — and
// forkRun, which starts a new run from those parameters: against a real PostgreSQL and trainer.
import { createDb } from "@trainql/db";
import { graphql } from "@trainql/graphql";
import { decodeCheckpoint, weightsImage } from "@trainql/nn/engine";
import { rewindEpochHistory } from "@trainql/runs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  countRows,
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
let dataDir: string;
let api: TestServer;
let trainer: TrainerProcess;

const START = graphql(`
  mutation StartHistoryRun($input: StartRunInput!) { startRun(input: $input) { id uuid } }
`);
const FORK = graphql(`
  mutation ForkRun($input: ForkRunInput!) {
    forkRun(input: $input) { id uuid status forkedAtEpoch forkedFrom { id data { fingerprint numTrain numVal } } learningRateFromEpoch
      data { fingerprint numTrain numVal } hyperparameters { learningRate learningRateDecay reg numIters hiddenSize } }
  }
`);
const HISTORY = graphql(`
  query RunHistory($id: ID!) {
    run(id: $id) {
      status weightsEpoch weightsEpochs checkpointEpochs forkedAtEpoch forkedFrom { id } forks { id }
      hyperparameters { hiddenSize }
      backendSpans { fromIteration backend device }
      epochs { epoch iteration valAcc learningRate }
      lossHistory(maxPoints: 100000) { iteration loss }
    }
  }
`);

const history = async (id: string) => (await gqlOk(api.url, HISTORY, { id })).run;

async function finished(id: string) {
  return waitFor(
    async () => {
      const run = await history(id);
      if (run.status === "FAILED") throw new Error(`run ${id} failed`);
      return run.status === "SUCCEEDED" && run;
    },
    120_000,
    `run ${id} to succeed`,
  );
}

async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** The epochs the rule keeps (README: storage), written out independently of epochHistory.ts. */
function expectedKept(latest: number, maxKept: number): number[] {
  let stride = 1;
  while ([...Array(latest + 1).keys()].filter((e) => e % stride === 0 || e === latest).length > maxKept) stride *= 2;
  return [...Array(latest + 1).keys()].filter((e) => e % stride === 0 || e === latest);
}

const image = async (path: string) => {
  const res = await fetch(new URL(path, api.url));
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) };
};

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  trainer = await startTrainer(databaseUrl, dataDir);
});

describe("weights history", () => {
  it("serves epoch k's image as it was at epoch k: the image of that epoch's parameters", async () => {
    // 400 training rows, batches of 20: 20 iterations an epoch, 8 epochs.
    const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 20, numIters: 160, seed: 3 } });
    const run = await finished(startRun.id);
    expect(run.weightsEpochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const served = new Map<number, Uint8Array>();
    for (const epoch of run.weightsEpochs) {
      const { status, bytes } = await image(`/runs/${startRun.uuid}/weights.png?epoch=${epoch}`);
      expect(status).toBe(200);
      served.set(epoch, bytes);
    }
    // Independently: each epoch's kept parameters, drawn again, give exactly the served bytes.
    const checkpoints = await query<{ epoch: number; data: Buffer }>(
      `SELECT epoch, data FROM "EpochCheckpoint" WHERE "runId" = $1 ORDER BY epoch`,
      [startRun.uuid],
    );
    expect(checkpoints.map((c) => c.epoch)).toEqual(run.checkpointEpochs);
    expect(checkpoints.length).toBe(8);
    for (const { epoch, data } of checkpoints) {
      const { header, values } = decodeCheckpoint(new Uint8Array(data));
      const expected = new Uint8Array((await weightsImage(values.W1, header.shape.hiddenSize)).png);
      expect(Buffer.from(served.get(epoch)!).equals(Buffer.from(expected)), `epoch ${epoch}`).toBe(true);
    }
    expect(Buffer.from(served.get(0)!).equals(Buffer.from(served.get(7)!))).toBe(false);
    // The latest (no epoch) is the last epoch's; an epoch not kept is a 404, a malformed one a 400.
    expect(Buffer.from((await image(`/runs/${startRun.uuid}/weights.png`)).bytes).equals(served.get(7)!)).toBe(true);
    expect((await image(`/runs/${startRun.uuid}/weights.png?epoch=8`)).status).toBe(404);
    expect((await image(`/runs/${startRun.uuid}/weights.png?epoch=-1`)).status).toBe(400);
  });

  it("stores the latest image once, in the history; a rewind makes the newest image kept the latest", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 400, numIters: 6, seed: 4 } });
    await finished(startRun.id);
    const state = async () => {
      const [run] = await query<{ onRun: boolean; weightsEpoch: number }>(
        `SELECT "weightsPng" IS NOT NULL AS "onRun", "weightsEpoch" FROM "Run" WHERE id = $1`,
        [startRun.uuid],
      );
      const kept = await query<{ epoch: number; png: Buffer }>(
        `SELECT epoch, png FROM "WeightsImage" WHERE "runId" = $1 ORDER BY epoch`,
        [startRun.uuid],
      );
      return { ...run!, kept };
    };
    const done = await state();
    expect(done).toMatchObject({ onRun: false, weightsEpoch: 5 });
    expect(done.kept.map((k) => k.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    const latest = await image(`/runs/${startRun.uuid}/weights.png`);
    expect(Buffer.from(latest.bytes).equals(done.kept[5]!.png)).toBe(true);
    // As if epochs 4 and 5 were trained past the checkpoint by a trainer since lost.
    await query(`DELETE FROM "EpochMetric" WHERE "runId" = $1 AND epoch >= 4`, [startRun.uuid]);
    const db = createDb(databaseUrl, 1);
    await db.$transaction((tx) => rewindEpochHistory(tx, startRun.uuid));
    await db.$disconnect();
    const rewound = await state();
    expect(rewound).toMatchObject({ onRun: false, weightsEpoch: 3 });
    expect(rewound.kept.map((k) => k.epoch)).toEqual([0, 1, 2, 3]);
    expect(Buffer.from((await image(`/runs/${startRun.uuid}/weights.png`)).bytes).equals(done.kept[3]!.png)).toBe(true);
    expect((await image(`/runs/${startRun.uuid}/weights.png?epoch=5`)).status).toBe(404);
  });

  it("keeps a bounded, spread-out set of images and checkpoints however many epochs a run has", async () => {
    // Batches of 400 rows: every iteration is an epoch, 90 of them.
    const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 400, numIters: 90, seed: 5 } });
    const run = await finished(startRun.id);
    // 64 images and (at H = 36) 32 checkpoints at most, plus the latest.
    expect(run.weightsEpochs).toEqual(expectedKept(89, 32));
    expect(run.checkpointEpochs).toEqual(expectedKept(89, 32));
    expect(run.weightsEpochs.length).toBeLessThanOrEqual(32);
    expect(run.checkpointEpochs.length).toBeLessThanOrEqual(32);
    // An epoch passed but thinned (a live page listed it a moment ago) redirects to the latest image.
    const thinned = await fetch(new URL(`/runs/${startRun.uuid}/weights.png?epoch=1`, api.url), { redirect: "manual" });
    expect(thinned.status).toBe(302);
    expect(thinned.headers.get("location")).toBe(`/runs/${startRun.uuid}/weights.png?epoch=89`);
    const [stored] = await query<{ images: number; imageBytes: number; checkpointBytes: number }>(
      `SELECT (SELECT count(*)::int FROM "WeightsImage" WHERE "runId" = $1) AS images,
              (SELECT sum(length(png))::int FROM "WeightsImage" WHERE "runId" = $1) AS "imageBytes",
              (SELECT sum(length(data))::int FROM "EpochCheckpoint" WHERE "runId" = $1) AS "checkpointBytes"`,
      [startRun.uuid],
    );
    expect(stored?.images).toBe(run.weightsEpochs.length);
    // What the README states for the default hidden size (36): ≤ 32 images of at most their
    // uncompressed 197 × 197 × 3 bytes (plus PNG's framing), ≤ 32 checkpoints of 444 KB.
    expect(stored!.imageBytes).toBeLessThanOrEqual(32 * (197 * 197 * 3 + 197 + 1024));
    expect(stored!.checkpointBytes).toBeLessThanOrEqual(32 * 4 * (3072 * 36 + 36 + 36 * 10 + 10) + 32 * 1024);
  });
});

describe("weights history paced by its cost", () => {
  /**
   * Runs `body` with a trainer at the default EPOCH_ARTIFACTS_PERCENT (2) instead of the harness's
   * 100, started once `beforeItStarts` is done.
   */
  async function withDefaultPace(body: () => Promise<void>, beforeItStarts?: () => Promise<void>) {
    await trainer.stop();
    await beforeItStarts?.();
    const paced = await startTrainer(databaseUrl, dataDir, { EPOCH_ARTIFACTS_PERCENT: "" });
    try {
      await body();
    } finally {
      await paced.stop();
      trainer = await startTrainer(databaseUrl, dataDir);
    }
  }

  it("on epochs far shorter than drawing their image, skips images and checkpoints, keeping the first and last", async () => {
    // At 2%, after artifacts that took t ms the next come once training has run 49·t. Here an epoch
    // is one iteration of 400 rows, a few milliseconds, less than drawing and storing the image and
    // the checkpoint take: most epochs go without.
    await withDefaultPace(async () => {
      const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 400, numIters: 30, seed: 6 } });
      const run = await finished(startRun.id);
      expect(run.epochs).toHaveLength(30);
      // 30 epochs are within what the thinning rule keeps: what is stored is what was taken.
      expect(run.weightsEpochs.length).toBeLessThan(30);
      expect(run.weightsEpochs.at(0)).toBe(0);
      expect(run.weightsEpochs.at(-1)).toBe(29);
      // At H = 36 the epoch checkpoint goes with the image; the latest image is the last epoch's.
      expect(run.checkpointEpochs).toEqual(run.weightsEpochs);
      expect(run.weightsEpoch).toBe(29);
    });
  });

  it("on a CPU, training waits for their database write, and the pace counts it", async () => {
    // The trainer here trains on wasm, where every core trains: storing the artifacts counts as their
    // cost. Epoch 0's image write is held up for a second: another transaction has inserted the
    // same (run, epoch) row and not committed, so the trainer's insert waits on it. Training waits
    // too, and the next artifacts are due 49 s of training later, past this run's end (300 epochs of
    // a few ms): only epoch 0 and the last have them. Counting only the trainer's own part of that
    // (a few ms), they would come again within a second.
    const locker = new pg.Client({ connectionString: databaseUrl });
    await locker.connect();
    let runId = "";
    const epochs = async () =>
      (await query<{ n: number }>(`SELECT count(*)::int AS n FROM "EpochMetric" WHERE "runId" = $1`, [runId]))[0]!.n;
    try {
      await withDefaultPace(
        async () => {
          await waitFor(async () => (await epochs()) > 0, 60_000, "epoch 0 to be recorded");
          await new Promise((r) => setTimeout(r, 1000));
          expect(await epochs()).toBe(1); // held at epoch 0's artifacts
          await locker.query("ROLLBACK");
          const run = await finished(runId);
          expect(run.epochs).toHaveLength(300);
          expect(run.weightsEpochs).toEqual([0, 299]);
          expect(run.checkpointEpochs).toEqual([0, 299]);
          // Training itself waited: a second between the ends of epochs 0 and 1 (each ends its clock).
          const [first, second] = await query<{ elapsedMs: number }>(
            `SELECT "elapsedMs" FROM "EpochMetric" WHERE "runId" = $1 ORDER BY epoch LIMIT 2`,
            [runId],
          );
          expect(second!.elapsedMs - first!.elapsedMs).toBeGreaterThanOrEqual(1000);
        },
        async () => {
          // Queued while no trainer runs, so the row is there before epoch 0 ends.
          const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 400, numIters: 300, seed: 8 } });
          runId = startRun.uuid;
          await locker.query("BEGIN");
          await locker.query(`INSERT INTO "WeightsImage" ("runId", "epoch", "png") VALUES ($1, 0, '\\x00')`, [runId]);
        },
      );
    } finally {
      await locker.end();
    }
  });
});

describe("weights history across a lost trainer", () => {
  it("a run resumed after its trainer is killed keeps exactly what the rule keeps, each epoch's image its own", async () => {
    // Every iteration an epoch; the trainer is killed mid-run (no resume checkpoint yet: 30 s apart),
    // so the next one rewinds to iteration 0 and redoes every epoch over what the first one stored.
    const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 400, numIters: 300, seed: 7 } });
    await waitFor(async () => (await history(startRun.id)).weightsEpochs.length > 20, 60_000, "epochs to be stored");
    await trainer.stop("SIGKILL");
    trainer = await startTrainer(databaseUrl, dataDir);
    const run = await finished(startRun.id);
    const [attempts] = await query<{ interruptions: string[] }>(`SELECT interruptions FROM "Run" WHERE id = $1`, [
      startRun.uuid,
    ]);
    expect(attempts?.interruptions.length).toBe(1); // it was taken back from the killed trainer
    expect(run.weightsEpochs).toEqual(expectedKept(299, 32));
    expect(run.checkpointEpochs).toEqual(expectedKept(299, 32));
    const checkpoints = await query<{ epoch: number; data: Buffer }>(
      `SELECT epoch, data FROM "EpochCheckpoint" WHERE "runId" = $1 ORDER BY epoch`,
      [startRun.uuid],
    );
    for (const { epoch, data } of checkpoints.slice(-3)) {
      const { header, values } = decodeCheckpoint(new Uint8Array(data));
      const expected = Buffer.from((await weightsImage(values.W1, header.shape.hiddenSize)).png);
      const served = Buffer.from((await image(`/runs/${startRun.uuid}/weights.png?epoch=${epoch}`)).bytes);
      expect(served.equals(expected), `epoch ${epoch}`).toBe(true);
    }
  });
});

describe("forkRun", () => {
  let parentId: string;
  let parent: Awaited<ReturnType<typeof history>>;

  beforeAll(async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { batchSize: 20, numIters: 200, seed: 11, learningRate: 0.05, learningRateDecay: 0.9 },
    });
    parentId = startRun.id;
    parent = await finished(parentId);
  });

  it("with nothing changed, reproduces the parent's later iterations bit for bit", async () => {
    expect(parent.checkpointEpochs).toContain(4);
    const { forkRun } = await gqlOk(api.url, FORK, { input: { runId: parentId, epoch: 4 } });
    expect(forkRun.status).toBe("QUEUED");
    expect(forkRun.forkedFrom?.id).toBe(parentId);
    // Queued on its parent's data set, for only a trainer with it to train: the checkpoint is of it.
    expect(forkRun.forkedFrom?.data?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(forkRun.data).toEqual(forkRun.forkedFrom?.data);
    const fork = await finished(forkRun.id);
    expect(fork.forkedAtEpoch).toBe(4);
    expect(fork.lossHistory.length).toBe(200);
    expect(fork.lossHistory).toEqual(parent.lossHistory);
    expect(fork.epochs).toEqual(parent.epochs);
    // Its iterations before the fork are the parent's, so their backend is too; the same trainer
    // trained on from there, which adds no span.
    expect(parent.backendSpans).toHaveLength(1);
    expect(fork.backendSpans).toEqual(parent.backendSpans);
    expect((await history(parentId)).forks.map((f) => f.id)).toContain(forkRun.id);
  });

  it("with a new learning rate, starts from the parent's parameters and trains on with the new schedule", async () => {
    const { forkRun } = await gqlOk(api.url, FORK, { input: { runId: parentId, epoch: 4, learningRate: 0.2 } });
    expect(forkRun.learningRateFromEpoch).toBe(5);
    const fork = await finished(forkRun.id);
    // Epoch 4's record is at iteration 80; the checkpoint holds the parameters after it, so the fork's
    // first iteration is 81. Its loss is computed before its update, from the parent's parameters on
    // the same minibatch: equal to the parent's. From 82 on, the new rate shows.
    const first = 4 * 20 + 1;
    expect(fork.lossHistory.slice(0, first + 1)).toEqual(parent.lossHistory.slice(0, first + 1));
    expect(fork.lossHistory[first + 1]?.loss).not.toBe(parent.lossHistory[first + 1]?.loss);
    // Epoch 5 uses the new rate itself, each later epoch it times the decay.
    const rates = fork.epochs.filter((e) => e.epoch >= 5).map((e) => e.learningRate);
    expect(rates).toEqual([5, 6, 7, 8, 9].map((e) => 0.2 * 0.9 ** (e - 5)));
    expect(fork.epochs.filter((e) => e.epoch <= 4)).toEqual(parent.epochs.filter((e) => e.epoch <= 4));
    // Its checkpoint carries the schedule: the header alone says how to train on from it.
    const [final] = await query<{ data: Buffer }>(`SELECT data FROM "Checkpoint" WHERE "runId" = $1`, [forkRun.uuid]);
    expect(decodeCheckpoint(new Uint8Array(final!.data)).header).toMatchObject({
      learningRateFromEpoch: 5,
      hyperparameters: { learningRate: 0.2 },
      iteration: 200,
    });
  });

  it("reproduces a fork as it was made: forked again from the same epoch with its settings, bit-identical", async () => {
    const { forkRun } = await gqlOk(api.url, FORK, {
      input: { runId: parentId, epoch: 3, learningRate: 0.3, reg: 1e-3 },
    });
    await finished(forkRun.id);
    const REPRODUCE = graphql(`
      mutation ReproduceFork($id: ID!) {
        reproduceRun(id: $id) { id forkedAtEpoch forkedFrom { id } learningRateFromEpoch reproducedFrom { id }
          hyperparameters { learningRate reg numIters } }
      }
    `);
    const { reproduceRun } = await gqlOk(api.url, REPRODUCE, { id: forkRun.id });
    expect(reproduceRun).toMatchObject({
      forkedAtEpoch: 3,
      forkedFrom: { id: parentId },
      learningRateFromEpoch: 4,
      reproducedFrom: { id: forkRun.id },
      hyperparameters: { learningRate: 0.3, reg: 1e-3, numIters: 200 },
    });
    await finished(reproduceRun.id);
    const VERDICT = graphql(
      `query ForkVerdict($id: ID!) { run(id: $id) { reproduction { identical firstDifferenceIteration } } }`,
    );
    expect((await gqlOk(api.url, VERDICT, { id: reproduceRun.id })).run.reproduction).toEqual({
      identical: true,
      firstDifferenceIteration: null,
    });
  });

  it("refuses an epoch with no checkpoint and a new hidden size, naming the field, and creates nothing", async () => {
    const before = await countRows(databaseUrl, "Run");
    const badEpoch = await gql(api.url, FORK, { input: { runId: parentId, epoch: 999 } });
    expect(badEpoch.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(badEpoch.errors?.[0]?.extensions?.field).toBe("input.epoch");
    expect(badEpoch.errors?.[0]?.message).toMatch(/no checkpoint at epoch 999.*kept epochs are 0, 1, 2/);
    const badSize = await gql(api.url, FORK, { input: { runId: parentId, epoch: 4, hiddenSize: 50 } });
    expect(badSize.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(badSize.errors?.[0]?.extensions?.field).toBe("input.hiddenSize");
    expect(badSize.errors?.[0]?.message).toMatch(/hiddenSize cannot change in a fork/);
    const tooShort = await gql(api.url, FORK, { input: { runId: parentId, epoch: 4, numIters: 50 } });
    expect(tooShort.errors?.[0]?.extensions?.field).toBe("input.numIters");
    // Its own fields in the words of every other rule: the predicate and the value, under input.*.
    const refusals = [
      [{ runId: parentId, epoch: -1 }, "input.epoch", "epoch must be an integer ≥ 0; got -1"],
      [{ runId: parentId, epoch: 4, name: "x".repeat(121) }, "input.name", "must be at most 120 characters; got 121"],
      [
        { runId: "nope", epoch: 4 },
        "input.runId",
        'input.runId must be a Run ID (as returned by the API) or a run UUID; got "nope"',
      ],
    ] as const;
    for (const [input, field, message] of refusals) {
      const refused = await gql(api.url, FORK, { input });
      expect(refused.errors?.[0]?.extensions?.field, field).toBe(field);
      expect(refused.errors?.[0]?.message, field).toContain(message);
    }
    expect(await countRows(databaseUrl, "Run")).toBe(before);
  });
});
