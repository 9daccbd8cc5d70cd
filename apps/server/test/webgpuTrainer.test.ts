// A trainer on the WebGPU backend (TRAIN_BACKEND=webgpu), end to end: it reports the backend, trains
// a run that records it, and a cancel stops it. Without a GPU, Dawn runs on SwiftShader from
// Debian's chromium (CI installs it), the setup of packages/nn/test/swiftshader.ts: slow, so tiny.

import { existsSync } from "node:fs";
import path from "node:path";
import { graphql } from "@trainql/graphql";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, gqlOk, startApi, startTrainer, type TestServer, tinyDataset, waitFor } from "./harness.ts";

const CHROMIUM_LIB = "/usr/lib/chromium";
const ICD = `${CHROMIUM_LIB}/vk_swiftshader_icd.json`;
const missing =
  process.platform !== "linux" || !existsSync(ICD) || !existsSync(`${CHROMIUM_LIB}/libvulkan.so.1`)
    ? `no SwiftShader under ${CHROMIUM_LIB} (apt install chromium)`
    : undefined;
const SWIFTSHADER_ENV = {
  TRAIN_BACKEND: "webgpu",
  VK_ICD_FILENAMES: ICD,
  LD_LIBRARY_PATH: [CHROMIUM_LIB, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp",
  // Steps take ~1 s on a software adapter; heartbeats come from a timer, not from steps, but give
  // the lease room anyway.
  TRAINER_TIMEOUT_MS: "30000",
};

const START = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id } }`);
const RUN = graphql(
  `query RunState($id: ID!) { run(id: $id) { status iteration backend error epochs { epoch iteration } } }`,
);

let databaseUrl: string;
let dataDir: string;
let api: TestServer;

describe.skipIf(missing)(`a trainer with TRAIN_BACKEND=webgpu${missing ? ` (skipped: ${missing})` : ""}`, () => {
  beforeAll(async () => {
    databaseUrl = await freshDatabase();
    dataDir = await tinyDataset();
    api = await startApi(databaseUrl);
  });

  it("reports the adapter, trains a run that records webgpu, and stops a cancelled one", async () => {
    const trainer = await startTrainer(databaseUrl, dataDir, SWIFTSHADER_ENV);
    const { backend } = await gqlOk(api.url, graphql(`query Backend { backend { name device warnings } }`));
    expect(backend?.name).toBe("webgpu");
    expect(backend?.device).toMatch(/WebGPU on Dawn: google \/ swiftshader/);
    expect(backend?.warnings?.join("\n")).toMatch(/software adapter/);
    // And the most its GPU holds in one buffer (SwiftShader's 1 GiB), which bounds the runs it is given.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT "maxBufferBytes"::text AS bytes FROM "Trainer" WHERE pid = $1`, [
      trainer.process.pid,
    ]);
    await db.end();
    expect(rows).toEqual([{ bytes: String(2 ** 30) }]);

    const run = async (id: string) => (await gqlOk(api.url, RUN, { id })).run;
    const input = { hiddenSize: 8, numIters: 6, batchSize: 50, learningRate: 0.3, reg: 1e-3, seed: 1 };
    const done = (await gqlOk(api.url, START, { input })).startRun.id;
    await waitFor(async () => (await run(done)).status === "SUCCEEDED", 120_000, `run ${done}`);
    expect(await run(done)).toMatchObject({ backend: "webgpu", iteration: 6, error: null });
    // What the run left on the GPU for reuse is given back: the next run may have other shapes.
    await waitFor(async () => /gave back [\d.]+ [MG]iB of GPU buffers/.test(trainer.output()), 10_000, "the buffers");

    const long = (await gqlOk(api.url, START, { input: { ...input, numIters: 5000 } })).startRun.id;
    await waitFor(async () => (await run(long)).iteration >= 1, 120_000, `run ${long} to start`);
    await gqlOk(api.url, graphql(`mutation CancelRun($id: ID!) { cancelRun(id: $id) { id } }`), { id: long });
    await waitFor(async () => (await run(long)).status === "CANCELLED", 30_000, `run ${long} to cancel`);
    expect((await run(long)).iteration).toBeLessThan(5000);
    await trainer.stop();
  });

  it("fails a run whose GPU is lost with the reason, keeps its epochs, and trains the next on a new device", async () => {
    // The device goes after step 12 of the first run, a few epochs in.
    const trainer = await startTrainer(
      databaseUrl,
      dataDir,
      { ...SWIFTSHADER_ENV, LOSE_GPU_AT_STEP: "12" },
      { imports: [path.join(import.meta.dirname, "fixtures/loseGpuAtStep.ts")] },
    );
    try {
      const run = async (id: string) => (await gqlOk(api.url, RUN, { id })).run;
      const input = { hiddenSize: 8, numIters: 40, batchSize: 50, learningRate: 0.3, reg: 1e-3, seed: 2 };
      const lost = (await gqlOk(api.url, START, { input })).startRun.id;
      await waitFor(async () => (await run(lost)).status === "FAILED", 120_000, `run ${lost} to fail`);
      const failed = await run(lost);
      expect(failed.error).toMatch(/^DeviceLostError: the WebGPU device was lost \(google \/ swiftshader.*\): /);
      // The epochs that ended before the loss are kept; none after it.
      expect(failed.epochs.length).toBeGreaterThan(0);
      expect(failed.epochs.every((e) => e.iteration < 12)).toBe(true);
      expect(failed.iteration).toBeLessThan(40);

      const next = (await gqlOk(api.url, START, { input: { ...input, numIters: 6 } })).startRun.id;
      const ended = await waitFor(
        async () => {
          const r = await run(next);
          return (r.status === "SUCCEEDED" || r.status === "FAILED") && r;
        },
        120_000,
        `run ${next} after the loss to end`,
      );
      expect(ended).toMatchObject({ status: "SUCCEEDED", backend: "webgpu", iteration: 6, error: null });
      expect(trainer.output()).toMatch(/the WebGPU device was lost .*; loading the backend again/);
      expect(trainer.output().match(/: backend webgpu — GPU \(WebGPU on Dawn: /g)).toHaveLength(2); // at start, after
    } finally {
      await trainer.stop();
    }
  });
});
