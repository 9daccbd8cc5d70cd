// The API against a real PostgreSQL, a real trainer process and real HTTP / WebSocket clients.
import { graphql, type ResultOf } from "@trainql/graphql";
import { CLASS_NAMES, MISTAKES_PER_CELL } from "@trainql/nn";
import { HYPERPARAMETERS, type HyperparameterName } from "@trainql/nn/hyperparameters";
import { print } from "graphql";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cleanup,
  collect,
  countRows,
  eventOf,
  freshDatabase,
  gql,
  gqlOk,
  isTerminal,
  RUN_EVENTS,
  type RunEventData,
  startApi,
  startTrainer,
  type TestServer,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

let databaseUrl: string;
let api: TestServer;

const START = graphql(`
  mutation StartRun($input: StartRunInput!) {
    startRun(input: $input) { id uuid status progress hyperparameters { hiddenSize numIters batchSize learningRate reg seed } }
  }
`);
const RUN_STATUS = graphql(`query RunStatus($id: ID!) { run(id: $id) { status iteration } }`);
const CANCEL = graphql(`mutation CancelRun($id: ID!) { cancelRun(id: $id) { status } }`);
const DELETE = graphql(`mutation DeleteRun($id: ID!) { deleteRun(id: $id) }`);

const rowCount = (table: string) => countRows(databaseUrl, table);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  await startTrainer(databaseUrl, dataDir);
});

describe("startRun and runEvents", () => {
  it("says at which iteration a diverged run's loss stopped being a number, as data", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { batchSize: 20, numIters: 40, learningRate: 1e12, weightScale: 10 },
    });
    const run = await waitFor(async () => {
      const { run } = await gqlOk<{ run: { status: string; divergedAtIteration: number | null; error: string } }>(
        api.url,
        `query ($id: ID!) { run(id: $id) { status divergedAtIteration error } }`,
        { id: startRun.id },
      );
      return run.status === "FAILED" && run;
    });
    expect(run.divergedAtIteration).toBeGreaterThanOrEqual(0);
    expect(run.error).toContain(`at iteration ${run.divergedAtIteration}`);
  });

  it("queues a run at once, then a subscriber receives every epoch in order, equal to the stored rows", async () => {
    const input = { hiddenSize: 10, numIters: 120, batchSize: 20, learningRate: 0.3, reg: 1e-3, seed: 3 };
    const { startRun } = await gqlOk(api.url, START, { input });
    expect(startRun.status).toBe("QUEUED");
    expect(startRun.hyperparameters).toEqual(input);

    const events = await collect(wsClient(api.url), RUN_EVENTS, { runId: startRun.id }, (e) => isTerminal(e.at(-1)!));
    const epochs = events.flatMap((e) => (e.runEvents.__typename === "RunEpochEvent" ? [e.runEvents.epoch] : []));
    // 400 training rows / batch 20 → 20 iterations per epoch: epochs at 0, 20, …, 100.
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(epochs.map((e) => e.iteration)).toEqual([0, 20, 40, 60, 80, 100]);
    const statuses = events.flatMap((e) => (e.runEvents.__typename === "RunStatusEvent" ? [e.runEvents.status] : []));
    expect(statuses.at(-1)).toBe("SUCCEEDED");
    // Loss batches tile [0, 120) with no gap and no overlap.
    const ranges = events.flatMap((e) =>
      e.runEvents.__typename === "RunLossesEvent" ? [[e.runEvents.fromIteration!, e.runEvents.toIteration!]] : [],
    );
    expect(ranges[0]![0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
    expect(ranges.at(-1)![1]).toBe(120);

    const { run } = await gqlOk(
      api.url,
      graphql(`
        query FinishedRun($id: ID!) {
          run(id: $id) {
            status progress backend finalValAcc bestValAcc hasCheckpoint weightsImageUrl
            valConfusion { classes counts classAccuracy } testConfusion { counts }
            epochs { epoch iteration loss trainAcc valAcc learningRate elapsedMs } lossHistory(maxPoints: 1000) { iteration loss }
          }
        }
      `),
      { id: startRun.id },
    );
    expect(run.status).toBe("SUCCEEDED");
    expect(run.progress).toBe(1);
    expect(run.backend).toBe("wasm");
    expect(run.hasCheckpoint).toBe(true);
    expect(run.epochs).toEqual(epochs);
    expect(run.finalValAcc).toBeGreaterThan(0.1); // the final parameters' validation accuracy
    // Its confusion matrix: every one of the 100 validation images once, the right ones on the
    // diagonal; each class's accuracy is its row's.
    const confusion = run.valConfusion!;
    expect(confusion.classes).toEqual(CLASS_NAMES);
    expect(confusion.counts.flat().reduce((a, b) => a + b, 0)).toBe(100);
    expect(confusion.counts.reduce((right, row, c) => right + row[c]!, 0) / 100).toBe(run.finalValAcc);
    confusion.counts.forEach((row, c) => {
      const images = row.reduce((a, b) => a + b, 0);
      expect(confusion.classAccuracy[c]).toBe(images === 0 ? null : row[c]! / images);
    });
    expect(run.testConfusion).toBeNull(); // until evaluateTest
    expect(run.lossHistory.map((p) => p.iteration)).toEqual([...Array(120).keys()]);
    const png = await fetch(new URL(run.weightsImageUrl!, api.url));
    expect(png.headers.get("content-type")).toBe("image/png");
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
  });

  it("keeps a run's most confident mistakes on the validation set, with their images, by cell of its confusion matrix", async () => {
    // Three steps: far from the tiny data set's 100%, so every row has mistakes.
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 3, batchSize: 20, seed: 2 },
    });
    const STATUS = graphql(`query MistakenRun($id: ID!) { run(id: $id) { status valConfusion { counts } } }`);
    const read = async () => (await gqlOk(api.url, STATUS, { id: startRun.id })).run!;
    await waitFor(async () => (await read()).status === "SUCCEEDED", 60_000, "the run to succeed");
    const confusion = (await read()).valConfusion!;
    const CELL = graphql(`
      query MistakeCell($id: ID!, $t: Int!, $p: Int!) {
        run(id: $id) {
          valMistakes(trueClass: $t, predictedClass: $p) {
            index trueClass trueClassName predictedClass predictedClassName confidence imageUrl
          }
        }
      }
    `);
    // Each cell off the diagonal keeps up to MISTAKES_PER_CELL of its images, the surest first, each
    // a 32 × 32 PNG of a distinct validation row; the diagonal keeps none.
    const rows = new Set<number>();
    let kept = 0;
    for (const [t, counts] of confusion.counts.entries())
      for (const [p, n] of counts.entries()) {
        const mistakes = (await gqlOk(api.url, CELL, { id: startRun.id, t, p })).run.valMistakes;
        expect(mistakes).toHaveLength(p === t ? 0 : Math.min(n, MISTAKES_PER_CELL));
        expect(mistakes.map((m) => m.confidence)).toEqual(mistakes.map((m) => m.confidence).sort((a, b) => b - a));
        for (const m of mistakes) {
          expect([m.trueClass, m.predictedClass]).toEqual([t, p]);
          expect([m.trueClassName, m.predictedClassName]).toEqual([CLASS_NAMES[t], CLASS_NAMES[p]]);
          expect(m.confidence).toBeGreaterThan(0);
          expect(m.confidence).toBeLessThanOrEqual(1);
          rows.add(m.index);
          kept++;
        }
        const first = mistakes[0];
        if (!first) continue;
        const image = await fetch(new URL(first.imageUrl, api.url));
        expect(image.headers.get("content-type")).toBe("image/png");
        const png = Buffer.from(await image.arrayBuffer());
        expect(png.subarray(1, 4).toString()).toBe("PNG");
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([32, 32]); // IHDR: width, height
      }
    expect(kept).toBeGreaterThan(10);
    expect(rows.size).toBe(kept);
    // A row the run kept no mistake at is not found; a class that is none is refused by name.
    expect((await fetch(new URL(`/runs/${startRun.uuid}/mistakes/99999.png`, api.url))).status).toBe(404);
    const bad = await gql(api.url, CELL, { id: startRun.id, t: 10, p: 0 });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(bad.errors?.[0]?.message).toBe(
      "trueClass must be a class from 0 to 9 (valConfusion.classes, in order); got 10",
    );
  });

  it("gives a late subscriber the stored events first, then the live ones, without gaps or duplicates", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 2000, batchSize: 20, learningRate: 0.1, reg: 1e-3 },
    });
    const client = wsClient(api.url);
    // Join once a few epochs are stored.
    await waitFor(
      async () =>
        (
          await gqlOk(api.url, graphql(`query RunEpochs($id: ID!) { run(id: $id) { epochs { epoch } } }`), {
            id: startRun.id,
          })
        ).run.epochs.length >= 3,
      60_000,
      "3 epochs",
    );
    const events = await collect(client, RUN_EVENTS, { runId: startRun.id }, (e) => isTerminal(e.at(-1)!));
    const epochs = events.flatMap((e) =>
      e.runEvents.__typename === "RunEpochEvent" ? [(e.runEvents.epoch as { epoch: number }).epoch] : [],
    );
    expect(epochs).toEqual([...Array(100).keys()]); // 2000 / 20 = 100 epochs, each exactly once
    const ranges = events.flatMap((e) =>
      e.runEvents.__typename === "RunLossesEvent" ? [[e.runEvents.fromIteration!, e.runEvents.toIteration!]] : [],
    );
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
    expect(ranges.at(-1)![1]).toBe(2000);
    // The first event is the stored loss history, downsampled.
    expect(events[0]!.runEvents.__typename).toBe("RunLossesEvent");
    expect(eventOf(events[0], "RunLossesEvent")?.fromIteration).toBe(0);
  });

  it("ends the stream after the final status, and resumes from a cursor with exactly what was missed", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 1200, batchSize: 20, seed: 11 },
    });
    const client = wsClient(api.url);
    const epochsOf = (events: RunEventData[]) =>
      events.flatMap((e) =>
        e.runEvents.__typename === "RunEpochEvent" ? [(e.runEvents.epoch as { epoch: number }).epoch] : [],
      );
    // A first connection that drops after a few epochs…
    const before = await collect(client, RUN_EVENTS, { runId: startRun.id }, (e) => epochsOf(e).length >= 3);
    const cursor = before.at(-1)!.runEvents.cursor;
    await new Promise((r) => setTimeout(r, 500)); // the run goes on meanwhile
    // …and the reconnect, which passes the last cursor: no repeat, no gap, and the stream completes by itself.
    const after = await collect(client, RUN_EVENTS, { runId: startRun.id, after: cursor }, () => false);
    const all = [...before, ...after];
    expect(epochsOf(all)).toEqual([...Array(60).keys()]); // 1200 / 20, each exactly once
    const ranges = all.flatMap((e) =>
      e.runEvents.__typename === "RunLossesEvent" ? [[e.runEvents.fromIteration!, e.runEvents.toIteration!]] : [],
    );
    expect(ranges[0]![0]).toBe(0);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
    expect(ranges.at(-1)![1]).toBe(1200);
    const statuses = all.flatMap((e) => eventOf(e, "RunStatusEvent")?.status ?? []);
    expect(statuses).toEqual([...new Set(statuses)]);
    expect(eventOf(after.at(-1), "RunStatusEvent")?.status).toBe("SUCCEEDED");

    // A late subscriber to the finished run gets what is stored, then completion; from the last cursor, only completion.
    const late = await collect(client, RUN_EVENTS, { runId: startRun.id }, () => false, 10_000);
    expect(epochsOf(late)).toHaveLength(60);
    expect(eventOf(late.at(-1), "RunStatusEvent")?.status).toBe("SUCCEEDED");
    const none = await collect(
      client,
      RUN_EVENTS,
      { runId: startRun.id, after: late.at(-1)!.runEvents.cursor },
      () => false,
      10_000,
    );
    expect(none).toEqual([]);
    // A cursor that is not one gets BAD_USER_INPUT naming `after`.
    await expect(
      collect(client, RUN_EVENTS, { runId: startRun.id, after: "garbage" }, () => false, 10_000),
    ).rejects.toThrow(/after must be a cursor from an earlier runEvents event/);
    // So does this run's cursor passed for another run: it would skip that run's events up to its marks.
    const { startRun: other } = await gqlOk(api.url, START, { input: { hiddenSize: 8, numIters: 20, batchSize: 20 } });
    await expect(collect(client, RUN_EVENTS, { runId: other.id, after: cursor }, () => false, 10_000)).rejects.toThrow(
      /after must be a cursor from an earlier runEvents event of this run/,
    );
  });

  it("cancels a running run within an iteration, and a queued one at once", async () => {
    const long = { hiddenSize: 10, numIters: 1_000_000, batchSize: 20 };
    const { startRun: running } = await gqlOk(api.url, START, { input: long });
    const { startRun: queued } = await gqlOk(api.url, START, { input: long });
    await waitFor(
      async () => (await gqlOk(api.url, RUN_STATUS, { id: running.id })).run.iteration > 0,
      60_000,
      "training to start",
    );

    const cancelQueued = await gqlOk(api.url, CANCEL, { id: queued.id });
    expect(cancelQueued.cancelRun.status).toBe("CANCELLED");

    const events = collect(wsClient(api.url), RUN_EVENTS, { runId: running.id }, (e) => isTerminal(e.at(-1)!));
    await gqlOk(api.url, CANCEL, { id: running.id });
    const last = eventOf((await events).at(-1), "RunStatusEvent");
    expect(last?.status).toBe("CANCELLED");
    expect(last?.run?.iteration).toBeLessThan(1_000_000);

    const again = await gql(api.url, CANCEL, { id: running.id });
    expect(again.errors?.[0]?.message).toMatch(/already ended \(CANCELLED\)/);
  });

  it("cancels at once a run that no live trainer holds, and a sweep trial waiting for its rung", async () => {
    // Runs left RUNNING by a trainer that died (heartbeat older than the timeout), and PAUSED:
    // their rows as such a fault leaves them, written directly.
    // A database and API of their own, whose reaper waits an hour: the cancel, not the reaper, must end them.
    const db = await freshDatabase();
    const local = await startApi(db, { reapPolicy: { timeoutMs: 3_600_000 } });
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    cleanup(() => client.end());
    const make = async (status: string, heartbeat: string) =>
      (
        await client.query(
          `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "heartbeatAt", "trainerId")
           VALUES (gen_random_uuid(), $1, 8, 0.1, 0.95, 0, 20, 100000, 1e-4, 0, now() - $2::interval, 'gone') RETURNING id::text`,
          [status, heartbeat],
        )
      ).rows[0].id as string;
    const orphan = await make("RUNNING", "2 hours");
    const paused = await make("PAUSED", "2 hours");
    for (const id of [orphan, paused]) {
      const { cancelRun } = await gqlOk(local.url, CANCEL, { id });
      expect(cancelRun.status).toBe("CANCELLED");
    }
    // Deleting it works now, as for any run that ended.
    await gqlOk(local.url, DELETE, { id: orphan });
  });

  it("refuses to delete a running run, and deletes a finished one with its rows", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 1_000_000, batchSize: 20 },
    });
    await waitFor(
      async () => (await gqlOk(api.url, RUN_STATUS, { id: startRun.id })).run.status === "RUNNING",
      60_000,
      "RUNNING",
    );
    const refused = await gql(api.url, DELETE, { id: startRun.id });
    expect(refused.errors?.[0]?.message).toMatch(/is RUNNING: cancel it first/);
    await gqlOk(api.url, CANCEL, { id: startRun.id });
    await waitFor(
      async () => (await gqlOk(api.url, RUN_STATUS, { id: startRun.id })).run.status === "CANCELLED",
      60_000,
      "CANCELLED",
    );
    await gqlOk(api.url, DELETE, { id: startRun.uuid });
    const gone = await gql(api.url, RUN_STATUS, { id: startRun.id });
    expect(gone.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("evaluates a finished run on the test set on request", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 60, batchSize: 20, learningRate: 0.3, reg: 1e-3 },
    });
    const client = wsClient(api.url);
    await collect(client, RUN_EVENTS, { runId: startRun.id }, (e) => isTerminal(e.at(-1)!));
    const { evaluateTest } = await gqlOk(
      api.url,
      graphql(`mutation EvaluateTest($id: ID!) { evaluateTest(runId: $id) { testAcc } }`),
      { id: startRun.id },
    );
    expect(evaluateTest.testAcc).toBeNull();
    const events = await collect(client, RUN_EVENTS, { runId: startRun.id }, (e) =>
      e.some((x) => x.runEvents.__typename === "RunTestEvent"),
    );
    const testAcc = eventOf(
      events.find((x) => x.runEvents.__typename === "RunTestEvent"),
      "RunTestEvent",
    )!.testAcc;
    expect(testAcc).toBeGreaterThan(0.1);
    const { run } = await gqlOk(
      api.url,
      graphql(`query RunTestAcc($id: ID!) { run(id: $id) { testAcc testConfusion { counts } } }`),
      { id: startRun.id },
    );
    expect(run.testAcc).toBe(testAcc);
    // The test set's confusion matrix: its 100 images, the right ones on the diagonal.
    const counts = run.testConfusion!.counts;
    expect(counts.flat().reduce((a, b) => a + b, 0)).toBe(100);
    expect(counts.reduce((right, row, c) => right + row[c]!, 0) / 100).toBe(testAcc);
  });

  it("ends a subscriber's stream with the reason in testError when an evaluation fails", async () => {
    // A SUCCEEDED run without its checkpoint, written directly (the trainer cannot evaluate it).
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanup(() => client.end());
    // As a sweep's best run: the sweep's page hears the failure too, not only the run's.
    const sweep = await client.query(
      `INSERT INTO "Sweep" (id, status, strategy, config) VALUES (gen_random_uuid(), 'SUCCEEDED', 'GRID', '{}') RETURNING id::text`,
    );
    const sweepId = sweep.rows[0].id as string;
    const { rows } = await client.query(
      `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, iteration, "finalValAcc", "sweepId")
       VALUES (gen_random_uuid(), 'SUCCEEDED', 8, 0.1, 0.95, 0, 20, 40, 1e-4, 0, 40, 0.3, $1) RETURNING id::text`,
      [sweepId],
    );
    const id = rows[0].id as string;
    const sweepHeard = collect(
      wsClient(api.url),
      graphql(`subscription SweepTestError($id: ID!) { sweepEvents(sweepId: $id) { sweep { trials { testError } } } }`),
      { id: sweepId },
      (e) => e.at(-1)!.sweepEvents.sweep.trials[0]?.testError != null,
      30_000,
    );
    await new Promise((r) => setTimeout(r, 500)); // (subscribed before the evaluation ends)
    const EVALUATE = graphql(`mutation EvaluateTest($id: ID!) { evaluateTest(runId: $id) { testAcc testError } }`);
    await gqlOk(api.url, EVALUATE, { id });
    expect((await sweepHeard).at(-1)?.sweepEvents.sweep.trials).toEqual([
      { testError: "the run has no checkpoint to evaluate" },
    ]);
    // Completes (collect resolves on completion) with the reason, and no result.
    const events = await collect(wsClient(api.url), RUN_EVENTS_WITH_TEST_ERROR, { runId: id }, () => false);
    expect(events.map((e) => e.runEvents.__typename)).not.toContain("RunTestEvent");
    const failed = events.map((e) => e.runEvents).find((e) => e.__typename === "RunTestFailedEvent");
    expect(failed).toEqual({ __typename: "RunTestFailedEvent", error: "the run has no checkpoint to evaluate" });
    const READ = graphql(`query RunTestError($id: ID!) { run(id: $id) { testAcc testError } }`);
    expect((await gqlOk(api.url, READ, { id })).run).toEqual({
      testAcc: null,
      testError: "the run has no checkpoint to evaluate",
    });
    // Asking again forgets the old reason until the new attempt ends.
    const again = await gqlOk(api.url, EVALUATE, { id });
    expect(again.evaluateTest.testError).toBeNull();
  });
});

const RUN_EVENTS_WITH_TEST_ERROR = graphql(`
  subscription RunEventsTestError($runId: ID!) {
    runEvents(runId: $runId) { __typename ... on RunTestFailedEvent { error } }
  }
`);

describe("startRun's requestId", () => {
  const GROUPED = graphql(`
    mutation StartGrouped($input: StartRunInput!) { startRun(input: $input) { id group { runs { id } } } }
  `);
  const input = (requestId: string) => ({ requestId, hiddenSize: 8, numIters: 20, batchSize: 20 });

  it("sent again, queues nothing and answers with the run the first one queued", async () => {
    const before = await rowCount("Run");
    const first = await gqlOk(api.url, START, { input: input("retry-1") });
    const again = await gqlOk(api.url, START, { input: { ...input("retry-1") } });
    expect(again.startRun.id).toBe(first.startRun.id);
    expect(await rowCount("Run")).toBe(before + 1);
    // Another key is another run.
    const other = await gqlOk(api.url, START, { input: input("retry-2") });
    expect(other.startRun.id).not.toBe(first.startRun.id);
    expect(await rowCount("Run")).toBe(before + 2);
  });

  it("sent many times at once, queues one run, and every answer is that run", async () => {
    const before = await rowCount("Run");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => gqlOk(api.url, START, { input: input("at-once") })),
    );
    expect(new Set(answers.map((a) => a.startRun.id)).size).toBe(1);
    expect(await rowCount("Run")).toBe(before + 1);
  });

  it("with seeds, sent again, answers with the first seed's run, whose group lists every seed's", async () => {
    const before = await rowCount("Run");
    const seeded = { ...input("seeded"), seeds: [1, 2, 3] };
    const first = await gqlOk(api.url, GROUPED, { input: seeded });
    const again = await gqlOk(api.url, GROUPED, { input: seeded });
    expect(again.startRun).toEqual(first.startRun);
    expect(again.startRun.group?.runs).toHaveLength(3);
    expect(await rowCount("Run")).toBe(before + 3);
  });

  it("with other input, or malformed, is BAD_USER_INPUT naming it, and writes nothing", async () => {
    const { startRun } = await gqlOk(api.url, START, { input: input("used") });
    const before = await rowCount("Run");
    const reused = await gql(api.url, START, { input: { ...input("used"), hiddenSize: 16 } });
    expect(reused.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.requestId" });
    expect(reused.errors?.[0]?.message).toBe(
      `requestId "used" already queued run ${startRun.uuid} with other input: send a new requestId for a new run`,
    );
    for (const [requestId, message] of [
      [
        "has space",
        /requestId must be 1 to 100 printable ASCII characters, no spaces \(a UUID, say\); got "has space"/,
      ],
      ["", /requestId must be 1 to 100 printable ASCII characters/],
      [
        "x".repeat(101),
        /requestId must be 1 to 100 printable ASCII characters, no spaces \(a UUID, say\); got 101 characters/,
      ],
    ] as const) {
      const bad = await gql(api.url, START, { input: input(requestId) });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.requestId" });
      expect(bad.errors?.[0]?.message).toMatch(message);
    }
    expect(await rowCount("Run")).toBe(before);
  });
});

describe("bad input", () => {
  it.each([
    ["hiddenSize", 0, /hiddenSize must be an integer from 1 to 8192; got 0/],
    ["hiddenSize", 9000, /from 1 to 8192; got 9000/],
    ["learningRate", 0, /learningRate must be a finite number > 0; got 0/],
    ["learningRate", -1e-3, /learningRate must be a finite number > 0/],
    ["learningRateDecay", 1.5, /learningRateDecay must be a number in \(0, 1\]/],
    ["reg", -1, /reg must be a finite number ≥ 0; got -1/],
    ["batchSize", 401, /batchSize must be an integer from 1 to 400 \(the training set size\); got 401/],
    ["batchSize", 0, /batchSize must be an integer from 1 to 400/],
    ["numIters", 0, /numIters must be an integer from 1 to 1000000; got 0/],
    ["numIters", 1_000_001, /numIters must be an integer from 1 to 1000000/],
    ["weightScale", 0, /weightScale must be a finite number > 0/],
    ["seed", -5, /seed must be an integer from 0 to 2147483647/],
  ])("refuses %s = %s with BAD_USER_INPUT naming the field, writing nothing", async (field, value, message) => {
    const before = await rowCount("Run");
    const result = await gql(api.url, START, { input: { batchSize: 20, [field]: value } });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.extensions?.field).toBe(`input.${field}`);
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(await rowCount("Run")).toBe(before);
  });

  it("refuses variables of the wrong type with BAD_USER_INPUT naming each field, all at once", async () => {
    const before = await rowCount("Run");
    const result = await gql(api.url, print(START), {
      input: { hiddenSize: "wide", learningRate: [1], batchSize: 20 },
    });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map((e) => [e.extensions?.code, e.extensions?.field])).toEqual([
      ["BAD_USER_INPUT", "input.hiddenSize"],
      ["BAD_USER_INPUT", "input.learningRate"],
    ]);
    expect(result.errors?.[0]?.message).toMatch(/Int cannot represent non-integer value: "wide"/);
    const missing = await gql(api.url, print(START), {});
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
    const unknown = await gql(api.url, print(START), { input: { hiddenSise: 3 } });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
    expect(unknown.errors?.[0]?.message).toMatch(/hiddenSise/);
    expect(await rowCount("Run")).toBe(before);
  });

  it("names every bad field at once, each in the schema's words (as the CLI and forms say them)", async () => {
    const bad: Partial<Record<HyperparameterName, number>> = {
      hiddenSize: 0,
      learningRate: -1,
      learningRateDecay: 1.5,
      reg: -1,
      numIters: 0,
      weightScale: 0,
      seed: -5,
    };
    const result = await gql(api.url, START, { input: { batchSize: 20, ...bad } });
    const ruleFor = (name: HyperparameterName, value: number) =>
      HYPERPARAMETERS[name].rule.safeParse(value).error?.issues[0]?.message;
    const expected = Object.entries(bad).map(([name, value]) => {
      const rule = ruleFor(name as HyperparameterName, value);
      return { field: `input.${name}`, message: `${name} ${rule}`, rule };
    });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.hiddenSize" });
    expect(result.errors?.[0]?.extensions?.fields).toEqual(expected);
    expect(result.errors?.[0]?.message).toBe(expected.map((e) => e.message).join("; "));
  });

  it("answers unknown ids with NOT_FOUND and malformed ones with BAD_USER_INPUT", async () => {
    const missing = await gql(api.url, `{ run(id: "00000000-0000-0000-0000-000000000000") { id } }`);
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    const malformed = await gql(api.url, `mutation { cancelRun(id: "nope") { id } }`);
    expect(malformed.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(malformed.errors?.[0]?.message).toMatch(/id must be a Run ID/);
  });

  it("names a run when asked, trims the name, and refuses one that is too long, writing nothing", async () => {
    const named = await gqlOk(
      api.url,
      graphql(
        `mutation NamedRun { startRun(input: { name: "  Capacity study: hidden 8 ", hiddenSize: 8, numIters: 10, batchSize: 20 }) { name } }`,
      ),
    );
    expect(named.startRun.name).toBe("Capacity study: hidden 8");
    const blank = await gqlOk(
      api.url,
      graphql(
        `mutation BlankName { startRun(input: { name: "   ", hiddenSize: 8, numIters: 10, batchSize: 20 }) { name } }`,
      ),
    );
    expect(blank.startRun.name).toBeNull();
    const before = await rowCount("Run");
    const long = await gql(api.url, START, { input: { name: "x".repeat(121), batchSize: 20 } });
    expect(long.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(long.errors?.[0]?.extensions?.field).toBe("input.name");
    expect(long.errors?.[0]?.message).toMatch(/name must be at most 120 characters; got 121/);
    expect(await rowCount("Run")).toBe(before);
  });

  it("answers malformed global ids in node and nodes with BAD_USER_INPUT, as run(id:) does", async () => {
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    // Also ids of types that are no node, or no type at all: each once answered without a code.
    const others = ["Foo:bar", "Query:x", "Epoch:1", "Backend:x"].map(b64);
    for (const id of [b64("Run:not-a-uuid"), b64("Sweep:42"), "%%%", b64("no-colon"), ...others]) {
      for (const query of [`{ node(id: "${id}") { id } }`, `{ nodes(ids: ["${id}"]) { id } }`]) {
        const result = await gql(api.url, query);
        expect(result.errors?.[0]?.extensions?.code, `${query}`).toBe("BAD_USER_INPUT");
        expect(result.errors?.[0]?.message).toMatch(/id must be an ID returned by this API/);
      }
    }
    const unknown = await gql(api.url, `{ node(id: "${b64("Run:00000000-0000-0000-0000-000000000000")}") { id } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.node).toBeNull();
    // A UUID in capitals names the same run in a global ID as it does raw.
    const { startRun } = await gqlOk(api.url, START, { input: { batchSize: 20 } });
    for (const id of [b64(`Run:${startRun.uuid.toUpperCase()}`), startRun.uuid.toUpperCase()]) {
      const found = await gql<{ run: { uuid: string } | null }>(api.url, `{ run(id: "${id}") { uuid } }`);
      expect(found.data?.run?.uuid, id).toBe(startRun.uuid);
    }
  });

  it("lists runs as a Relay connection, filtered and ordered", async () => {
    const q = graphql(`
      query RunsPage($after: String, $status: [RunStatus!], $orderBy: RunOrder) {
        runs(first: 2, after: $after, status: $status, orderBy: $orderBy) {
          edges { cursor node { uuid status bestValAcc } }
          pageInfo { hasNextPage endCursor }
        }
      }
    `);
    type Page = ResultOf<typeof q>;
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Page = await gqlOk(api.url, q, { after });
      all.push(...page.runs.edges.map((e) => e.node.uuid));
      if (!page.runs.pageInfo.hasNextPage) break;
      after = page.runs.pageInfo.endCursor;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await rowCount("Run"));
    const succeeded = await gqlOk(api.url, q, { status: ["SUCCEEDED"], orderBy: "BEST_VAL_ACC_DESC" });
    const accs = succeeded.runs.edges.map((e) => e.node.bestValAcc!);
    expect(succeeded.runs.edges.every((e) => e.node.status === "SUCCEEDED")).toBe(true);
    expect(accs).toEqual([...accs].sort((a, b) => b - a));
  });

  it("reports the backend and data set of the live trainer", async () => {
    const data = await gqlOk(
      api.url,
      graphql(
        `query LiveTrainer { backend { name device version warnings } dataset { available numTrain numVal numTest } }`,
      ),
    );
    expect(data.backend?.name).toBe("wasm");
    // With OpenBLAS (installed by .ci/run) nothing slows the trainer down; the browser tests cover
    // a trainer without it.
    expect(data.backend?.device).toContain("matrix products on");
    expect(data.backend?.warnings).toEqual([]);
    expect(data.dataset).toMatchObject({ available: true, numTrain: 400, numVal: 100 });
  });
});

describe("health", () => {
  it("answers /health while the process runs and /ready only while its database does", async () => {
    const base = api.url.replace(/\/graphql$/, "");
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    const unreachable = new URL(databaseUrl);
    unreachable.port = "1"; // nothing listens there
    const cutOff = await startApi(unreachable.toString());
    const cutOffBase = cutOff.url.replace(/\/graphql$/, "");
    expect((await fetch(`${cutOffBase}/health`)).status).toBe(200);
    expect((await fetch(`${cutOffBase}/ready`)).status).toBe(503);
    // A query or mutation there is told the database is out of reach and to try again (503), not
    // "Unexpected error."; the same code a burst of mutations gets when the pool cannot start a
    // transaction in time (Prisma's P2028, transient as this refused connection is).
    for (const query of [`{ runs(first: 1) { edges { cursor } } }`, `mutation { startRun(input: {}) { id } }`]) {
      const res = await fetch(cutOff.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      expect(res.status, query).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      const { errors } = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(errors[0]?.extensions.code).toBe("DATABASE_UNAVAILABLE");
      expect(errors[0]?.message).toMatch(/^The database did not answer in time .*: send the request again/);
    }
    // Only an outage is: bad input that quotes an outage's words stays bad input.
    const quoting = await gql(api.url, `{ run(id: "ECONNRESET") { id } }`);
    expect(quoting.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
