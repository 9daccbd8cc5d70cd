// Several API processes and several trainers on one PostgreSQL, as they would run on several
// machines: a run started through API A and trained by trainer 2 streams to a subscriber of API B
// with no gap and no duplicate.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, expect, it } from "vitest";
import { freePort } from "./freePort.ts";
import {
  cleanup,
  collect,
  eventOf,
  freshDatabase,
  gqlOk,
  isTerminal,
  RUN_EVENTS,
  startTrainer,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

const serverRoot = path.resolve(import.meta.dirname, "..");
let databaseUrl: string;
let dataDir: string;

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
});

/** An API process of its own (src/main.ts, as deployed) on a free port; resolves once /ready answers. */
async function startApiProcess(port: number): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: serverRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), TRAINER_TIMEOUT_MS: "4000" },
    stdio: "ignore",
  });
  cleanup(() => child.kill("SIGKILL"));
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${base}/ready`).then(
        (r) => r.ok,
        () => false,
      ),
    30_000,
    `API on ${port}`,
  );
  return `${base}/graphql`;
}

const START = `mutation ($input: StartRunInput!) { startRun(input: $input) { id } }`;
const RUN = `query ($id: ID!) { run(id: $id) { status trainerId } }`;
type RunRow = { run: { status: string; trainerId: string | null } };

it("streams a run started through API A and trained by trainer 2 to a subscriber of API B, whole", async () => {
  const apiA = await startApiProcess(await freePort());
  const apiB = await startApiProcess(await freePort());
  // Trainer 1 is busy with a long run, so the run under test goes to trainer 2.
  const trainer1 = await startTrainer(databaseUrl, dataDir);
  const { startRun: busy } = await gqlOk<{ startRun: { id: string } }>(apiA, START, {
    input: { hiddenSize: 8, numIters: 100_000, batchSize: 20 },
  });
  await waitFor(async () => (await gqlOk<RunRow>(apiA, RUN, { id: busy.id })).run.status === "RUNNING");
  const trainer2 = await startTrainer(databaseUrl, dataDir);

  const { startRun } = await gqlOk<{ startRun: { id: string } }>(apiA, START, {
    input: { hiddenSize: 8, numIters: 400, batchSize: 20, seed: 3 },
  });
  const events = await collect(wsClient(apiB), RUN_EVENTS, { runId: startRun.id }, (e) => isTerminal(e.at(-1)!));

  const { run } = await gqlOk<RunRow>(apiB, RUN, { id: startRun.id });
  expect(run.status).toBe("SUCCEEDED");
  const { trainers } = await gqlOk<{ trainers: { id: string; pid: number }[] }>(apiB, `{ trainers { id pid } }`);
  expect(trainers.find((t) => t.id === run.trainerId)?.pid).toBe(trainer2.process.pid);
  // Every epoch once, in order; the losses cover every iteration once.
  const epochs = events.flatMap((e) => (e.runEvents.__typename === "RunEpochEvent" ? [e.runEvents.epoch] : []));
  expect(epochs.map((epoch) => (typeof epoch === "number" ? epoch : epoch?.epoch))).toEqual(
    Array.from({ length: epochs.length }, (_, i) => i),
  );
  expect(epochs.length).toBe(20); // 400 iterations, 20 an epoch (400 training rows, batch 20)
  let covered = 0;
  for (const e of events) {
    const losses = eventOf(e, "RunLossesEvent");
    if (!losses) continue;
    expect(losses.fromIteration).toBe(covered);
    covered = losses.toIteration;
  }
  expect(covered).toBe(400);
  await gqlOk(apiA, `mutation ($id: ID!) { cancelRun(id: $id) { id } }`, { id: busy.id });
  await Promise.all([trainer1.stop(), trainer2.stop()]);
});
