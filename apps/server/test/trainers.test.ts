// Trainer processes: sharing one queue, dying mid-run, and starting after runs were queued.
import { beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  freshDatabase,
  gqlOk,
  startApi,
  startTrainer,
  type TestServer,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

let databaseUrl: string;
let dataDir: string;
let api: TestServer;

const START = `mutation ($input: StartRunInput!) { startRun(input: $input) { id uuid } }`;
type Started = { startRun: { id: string; uuid: string } };
type RunState = { run: { status: string; iteration: number; error: string | null; epochs: { epoch: number }[] } };
const RUN = `query ($id: ID!) { run(id: $id) { status iteration error epochs { epoch } } }`;
const runState = async (id: string) => (await gqlOk<RunState>(api.url, RUN, { id })).run;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
});

describe("trainers", () => {
  it("run the runs queued before any trainer started", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push(
        (await gqlOk<Started>(api.url, START, { input: { hiddenSize: 8, numIters: 40, batchSize: 20, seed: i } }))
          .startRun.id,
      );
    }
    const trainer = await startTrainer(databaseUrl, dataDir);
    for (const id of ids) await waitFor(async () => (await runState(id)).status === "SUCCEEDED", 60_000, `run ${id}`);
    await trainer.stop();
  });

  it("share one queue, and one runsChanged subscriber sees every run of both", async () => {
    const a = await startTrainer(databaseUrl, dataDir);
    const b = await startTrainer(databaseUrl, dataDir);
    const client = wsClient(api.url);
    const uuids = new Set<string>();
    const finished = new Set<string>();
    const changes = collect<{ runsChanged: { kind: string; runId: string; run: { status: string } | null } }>(
      client,
      `subscription { runsChanged { kind runId run { status } } }`,
      {},
      (events) => {
        for (const e of events) if (e.runsChanged.run?.status === "SUCCEEDED") finished.add(e.runsChanged.runId);
        return uuids.size === 4 && [...uuids].every((u) => finished.has(u));
      },
    );
    await new Promise((r) => setTimeout(r, 300)); // let the subscription start listening
    for (let i = 0; i < 4; i++) {
      const { startRun } = await gqlOk<Started>(api.url, START, {
        input: { hiddenSize: 8, numIters: 300, batchSize: 20, seed: i },
      });
      uuids.add(startRun.uuid);
    }
    const events = await changes;
    expect(
      events
        .filter((e) => e.runsChanged.kind === "created")
        .map((e) => e.runsChanged.runId)
        .sort(),
    ).toEqual([...uuids].sort());
    const { trainers } = await gqlOk<{ trainers: { id: string }[] }>(api.url, `{ trainers { id } }`);
    expect(trainers.length).toBe(2);
    // Both trainers took work: each run records the trainer that ran it.
    const { runs } = await gqlOk<{ runs: { edges: { node: { trainerId: string } }[] } }>(
      api.url,
      `{ runs(first: 4) { edges { node { trainerId } } } }`,
    );
    expect(new Set(runs.edges.map((e) => e.node.trainerId)).size).toBe(2);
    expect(a.output()).toContain("waiting for runs");
    expect(b.output()).toContain("waiting for runs");
    await Promise.all([a.stop(), b.stop()]);
  });

  it("mark the run of a trainer killed mid-run FAILED with the reason, keep its epochs, and go on with the next run", async () => {
    const victim = await startTrainer(databaseUrl, dataDir);
    const { startRun: long } = await gqlOk<Started>(api.url, START, {
      input: { hiddenSize: 8, numIters: 1_000_000, batchSize: 20 },
    });
    const { startRun: next } = await gqlOk<Started>(api.url, START, {
      input: { hiddenSize: 8, numIters: 40, batchSize: 20 },
    });
    await waitFor(async () => (await runState(long.id)).epochs.length >= 2, 60_000, "two epochs");
    victim.process.kill("SIGKILL");
    await victim.stop("SIGKILL");
    const survivor = await startTrainer(databaseUrl, dataDir);

    const failed = await waitFor(
      async () => {
        const s = await runState(long.id);
        return s.status === "FAILED" && s;
      },
      30_000,
      "the killed run to be marked FAILED",
    );
    expect(failed.error).toMatch(/trainer .* stopped responding; last heartbeat .* The run was not resumed/);
    expect(failed.epochs.length).toBeGreaterThanOrEqual(2); // completed epochs are kept
    await waitFor(async () => (await runState(next.id)).status === "SUCCEEDED", 60_000, "the next run");
    await survivor.stop();
  });
});
