// Names, tags and notes (updateRun, runs(filter:)) and the downloads (CSV, JSON, .npz), through the
// real API over HTTP, a real trainer and PostgreSQL. Downloads are checked against what is stored,
// read straight from the tables, and the .npz against NumPy itself.
import { execFileSync, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileReadToken } from "@trainql/graphql/fileReadToken";
import { loadCifar10 } from "@trainql/nn/data";
import { HYPERPARAMETER_NAMES } from "@trainql/nn/hyperparameters";
import { parse } from "csv-parse/sync";
import { dump } from "npyjs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import {
  cleanup,
  countRows,
  freshDatabase,
  gql,
  gqlOk,
  startApi,
  startTrainer,
  type TestServer,
  TINY_RECORDS,
  tinyDataset,
  waitFor,
} from "./harness.ts";

let databaseUrl: string;
let dataDir: string;
let api: TestServer;
let origin: string;

interface RunRow {
  id: string;
  name: string | null;
  tags: string[];
  note: string | null;
}

const START = `mutation ($input: StartRunInput!) { startRun(input: $input) { id uuid name tags note } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateRunInput!) { updateRun(id: $id, input: $input) { uuid name tags note } }`;
const RUNS = `query ($filter: RunFilter) { runs(filter: $filter, first: 100) { edges { node { uuid name tags } } } }`;
const RUN = `query ($id: ID!) { run(id: $id) { uuid status finalValAcc hasCheckpoint } }`;

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const stored = async (uuid: string) =>
  (await query<RunRow>(`SELECT id, name, tags, note FROM "Run" WHERE id = $1`, [uuid]))[0];

/** The losses as stored: every chunk's little-endian float32s, decoded here, not by the server's code. */
async function storedLosses(uuid: string): Promise<number[]> {
  const chunks = await query<{ losses: Buffer; count: number }>(
    `SELECT losses, count FROM "LossChunk" WHERE "runId" = $1 ORDER BY chunk`,
    [uuid],
  );
  return chunks.flatMap(({ losses, count }) => Array.from({ length: count }, (_, k) => losses.readFloatLE(k * 4)));
}

const storedEpochs = (uuid: string) =>
  query<Record<string, number>>(
    `SELECT epoch, iteration, loss, "trainAcc", "valAcc", "learningRate", "elapsedMs" FROM "EpochMetric" WHERE "runId" = $1 ORDER BY epoch`,
    [uuid],
  );

async function startRun(input: Record<string, unknown>) {
  return (await gqlOk<{ startRun: RunRow & { uuid: string } }>(api.url, START, { input })).startRun;
}

async function finished(uuid: string) {
  return waitFor(
    async () => {
      const { run } = await gqlOk<{
        run: { uuid: string; status: string; finalValAcc: number; hasCheckpoint: boolean };
      }>(api.url, RUN, { id: uuid });
      return run.status === "SUCCEEDED" && run;
    },
    120_000,
    `run ${uuid} to succeed`,
  );
}

const get = (pathAndQuery: string, headers: Record<string, string> = {}) =>
  fetch(`${origin}${pathAndQuery}`, { headers });

// Two trained runs, shared by the export tests: 60 iterations of batch 20 over 400 rows (3 epochs).
const TRAINING = { hiddenSize: 12, numIters: 60, batchSize: 20, learningRate: 0.3, reg: 1e-3 };
let runA: { uuid: string; finalValAcc: number };
let runB: { uuid: string; finalValAcc: number };

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  origin = new URL(api.url).origin;
  await startTrainer(databaseUrl, dataDir);
  const a = await startRun({ ...TRAINING, seed: 1, name: 'baseline, "quoted"\nand two lines' });
  const b = await startRun({ ...TRAINING, seed: 2, name: "Wider Net" });
  runA = await finished(a.uuid);
  runB = await finished(b.uuid);
}, 240_000);

describe("names, tags and notes", () => {
  it("startRun takes a name; updateRun replaces name, tags and note, and leaves out what it is not given", async () => {
    const run = await startRun({ ...TRAINING, numIters: 20, name: "  first try  " });
    expect(run.name).toBe("first try");
    expect(run.tags).toEqual([]);

    const { updateRun } = await gqlOk<{ updateRun: RunRow }>(api.url, UPDATE, {
      id: run.id,
      input: { tags: ["lr-sweep", "baseline", "lr-sweep"], note: "# Why\n\nTrying **0.3**." },
    });
    // Duplicates dropped, order kept; the name was not given, so it stayed.
    expect(updateRun).toMatchObject({
      name: "first try",
      tags: ["lr-sweep", "baseline"],
      note: "# Why\n\nTrying **0.3**.",
    });
    expect(await stored(run.uuid)).toMatchObject({
      name: "first try",
      tags: ["lr-sweep", "baseline"],
      note: "# Why\n\nTrying **0.3**.",
    });

    await gqlOk(api.url, UPDATE, { id: run.uuid, input: { name: "renamed" } });
    expect(await stored(run.uuid)).toMatchObject({ name: "renamed", tags: ["lr-sweep", "baseline"] });

    // null and "" clear.
    await gqlOk(api.url, UPDATE, { id: run.uuid, input: { name: "", note: null, tags: null } });
    expect(await stored(run.uuid)).toMatchObject({ name: null, note: null, tags: [] });
    // Nothing given: nothing changes, and the run comes back as it is.
    const unchanged = await gqlOk<{ updateRun: RunRow }>(api.url, UPDATE, { id: run.uuid, input: {} });
    expect(unchanged.updateRun).toMatchObject({ uuid: run.uuid, name: null, tags: [] });
  });

  it("refuses bad tags, too many tags and a too-long name with BAD_USER_INPUT naming each field, and changes nothing", async () => {
    const run = await startRun({ ...TRAINING, numIters: 20, name: "keep me" });
    await gqlOk(api.url, UPDATE, { id: run.id, input: { tags: ["good"], note: "kept" } });
    const before = await stored(run.uuid);

    const bad = await gql(api.url, UPDATE, {
      id: run.id,
      input: { name: "x".repeat(121), tags: ["fine", "has space", "x".repeat(33)], note: "new note" },
    });
    const error = bad.errors?.[0];
    expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
    const fields = error?.extensions?.fields as { field: string; message: string }[];
    expect(fields.map((f) => f.field)).toEqual(["input.name", "input.tags", "input.tags"]);
    expect(error?.message).toContain("tags: each must be 1 to 32 characters");
    expect(error?.message).toContain('got "has space"');
    expect(await stored(run.uuid)).toEqual(before);

    const tooMany = await gql(api.url, UPDATE, {
      id: run.id,
      input: { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
    });
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.tags" });
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 20 tags; got 21/);
    expect(await stored(run.uuid)).toEqual(before);

    // A NUL character, which PostgreSQL's text cannot hold (it once failed there, as an internal error).
    const nul = await gql(api.url, UPDATE, { id: run.id, input: { name: "a\u0000b", note: "\u0000" } });
    const nulFields = (nul.errors?.[0]?.extensions?.fields ?? []) as { field: string }[];
    expect(nulFields.map((f) => f.field)).toEqual(["input.name", "input.note"]);
    expect(nul.errors?.[0]?.message).toContain("must not contain the NUL character (U+0000)");
    expect(await stored(run.uuid)).toEqual(before);
    const runsBefore = await countRows(databaseUrl, "Run");
    for (const [query, variables, field] of [
      [START, { input: { ...TRAINING, name: "a\u0000" } }, "input.name"],
      [
        `query ($text: String) { runs(filter: { nameContains: $text }) { edges { cursor } } }`,
        { text: "\u0000" },
        "filter.nameContains",
      ],
    ] as const) {
      const refused = await gql(api.url, query, variables);
      expect(refused.errors?.[0]?.extensions, query).toMatchObject({ code: "BAD_USER_INPUT", field });
    }
    expect(await countRows(databaseUrl, "Run")).toBe(runsBefore);

    const unknown = await gql(api.url, UPDATE, { id: "00000000-0000-4000-8000-000000000000", input: { name: "x" } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("runs(filter:) lists runs having all given tags, names containing a text in any case, and a sweep's trials", async () => {
    const tagged = async (name: string, tags: string[]) => {
      const run = await startRun({ ...TRAINING, numIters: 20, name });
      await gqlOk(api.url, UPDATE, { id: run.id, input: { tags } });
      return run.uuid;
    };
    const both = await tagged("Filter Alpha", ["filter-x", "filter-y"]);
    const onlyX = await tagged("filter beta", ["filter-x"]);
    await tagged("gamma", ["filter-y"]);
    const list = async (filter: Record<string, unknown>) =>
      (await gqlOk<{ runs: { edges: { node: { uuid: string } }[] } }>(api.url, RUNS, { filter })).runs.edges.map(
        (e) => e.node.uuid,
      );

    expect(new Set(await list({ tags: ["filter-x"] }))).toEqual(new Set([both, onlyX]));
    expect(await list({ tags: ["filter-x", "filter-y"] })).toEqual([both]);
    expect(new Set(await list({ nameContains: "FILTER" }))).toEqual(new Set([both, onlyX]));
    expect(await list({ nameContains: "alpha", tags: ["filter-y"] })).toEqual([both]);
    expect(await list({ nameContains: "no such run" })).toEqual([]);
    // LIKE's wildcards and escape are plain text in a name.
    const literal = await tagged("lr_0.5 at 50% \\ seed", ["filter-z"]);
    await tagged("lr10 at 500", ["filter-z"]);
    for (const text of ["lr_0", "50%", "\\ s", "_0.5 at 50% \\"])
      expect(await list({ nameContains: text, tags: ["filter-z"] }), text).toEqual([literal]);
    expect(await list({ sweepId: "00000000-0000-4000-8000-000000000000" })).toEqual([]);

    const bad = await gql(api.url, RUNS, { filter: { tags: ["not a tag"] } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.tags" });
    const badSweep = await gql(api.url, RUNS, { filter: { sweepId: "nope" } });
    expect(badSweep.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.sweepId" });
  });

  it("with API tokens, updateRun needs one, as the other mutations do", async () => {
    const closed = await startApi(databaseUrl, { access: { tokens: ["secret-token"], publicQueries: true } });
    const denied = await gql(closed.url, UPDATE, { id: runA.uuid, input: { name: "hijacked" } });
    expect(denied.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await stored(runA.uuid))?.name).not.toBe("hijacked");
  });
});

describe("downloads", () => {
  it("a run's CSV parses back to its hyperparameters, every stored loss (float32) and every epoch", async () => {
    const res = await get(`/runs/${runA.uuid}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="run-${runA.uuid}.csv"`);
    const rows = parse(await res.text(), { columns: true }) as Record<string, string>[];

    const run = (await query<Record<string, unknown>>(`SELECT * FROM "Run" WHERE id = $1`, [runA.uuid]))[0]!;
    // The name has a comma, quotes and a newline: it must survive quoting.
    for (const row of rows) {
      expect(row.run_id).toBe(runA.uuid);
      expect(row.run_name).toBe('baseline, "quoted"\nand two lines');
      for (const name of HYPERPARAMETER_NAMES) expect(Number(row[name])).toBe(run[name]);
    }
    const losses = rows.filter((r) => r.record === "iteration");
    const expected = await storedLosses(runA.uuid);
    expect(expected).toHaveLength(TRAINING.numIters);
    expect(losses.map((r) => Number(r.iteration))).toEqual(expected.map((_, i) => i));
    expect(losses.map((r) => Number(r.loss))).toEqual(expected);

    const epochs = rows
      .filter((r) => r.record === "epoch")
      .map((r) => ({
        epoch: Number(r.epoch),
        iteration: Number(r.iteration),
        loss: Number(r.loss),
        trainAcc: Number(r.train_acc),
        valAcc: Number(r.val_acc),
        learningRate: Number(r.learning_rate),
        elapsedMs: Number(r.elapsed_ms),
      }));
    const storedEpochRows = await storedEpochs(runA.uuid);
    expect(storedEpochRows.length).toBeGreaterThan(1);
    expect(epochs).toEqual(storedEpochRows);
  });

  it("a run's JSON holds the same values, and its accuracies", async () => {
    const res = await get(`/runs/${runA.uuid}/export.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="run-${runA.uuid}.json"`);
    const body = (await res.json()) as {
      id: string;
      hyperparameters: Record<string, number>;
      losses: number[];
      epochs: Record<string, number>[];
      finalValAcc: number;
      valConfusion: number[][];
      testConfusion: number[][] | null;
      valMistakes: { index: number; trueClass: number; predictedClass: number; confidence: number; imageUrl: string }[];
    };
    expect(body.id).toBe(runA.uuid);
    expect(body.hyperparameters).toMatchObject({ ...TRAINING, seed: 1 });
    expect(body.losses).toEqual(await storedLosses(runA.uuid));
    expect(body.epochs).toEqual(await storedEpochs(runA.uuid));
    expect(body.finalValAcc).toBe(runA.finalValAcc);
    // Its confusion matrix, rows by true class: the right ones on the diagonal.
    const right = body.valConfusion.reduce((sum, row, c) => sum + row[c]!, 0);
    expect(right / body.valConfusion.flat().reduce((a, b) => a + b, 0)).toBe(runA.finalValAcc);
    expect(body.testConfusion).toBeNull();
    // The mistakes it kept, cell by cell, the surest first, each image one GET away.
    const kept = await query(
      `SELECT "index", "trueClass", "predictedClass", confidence FROM "ValMistake" WHERE "runId" = $1
       ORDER BY "trueClass", "predictedClass", confidence DESC, "index"`,
      [runA.uuid],
    );
    expect(kept.length).toBeGreaterThan(0);
    expect(body.valMistakes.map(({ imageUrl: _, ...mistake }) => mistake)).toEqual(kept);
    const first = body.valMistakes[0]!;
    expect(first.imageUrl).toBe(`/runs/${runA.uuid}/mistakes/${first.index}.png`);
    const png = await get(first.imageUrl);
    expect(png.headers.get("content-type")).toBe("image/png");
  });

  it("a comparison exports its runs in the order asked, as CSV and JSON", async () => {
    const csv = await get(`/compare/export.csv?ids=${runB.uuid},${runA.uuid}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toBe('attachment; filename="compare-2-runs.csv"');
    const rows = parse(await csv.text(), { columns: true }) as Record<string, string>[];
    const runIds = [...new Set(rows.map((r) => r.run_id))];
    expect(runIds).toEqual([runB.uuid, runA.uuid]);
    for (const uuid of [runB.uuid, runA.uuid])
      expect(rows.filter((r) => r.run_id === uuid && r.record === "iteration").map((r) => Number(r.loss))).toEqual(
        await storedLosses(uuid),
      );

    const json = (await (await get(`/compare/export.json?ids=${runA.uuid}&ids=${runB.uuid}`)).json()) as {
      runs: { id: string; losses: number[]; seed?: number }[];
    };
    expect(json.runs.map((r) => r.id)).toEqual([runA.uuid, runB.uuid]);
    expect(json.runs[1]?.losses).toEqual(await storedLosses(runB.uuid));
  });

  it("answers 400 with the reason for a malformed id and 404 naming an unknown one", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000";
    const cases: [string, number, RegExp][] = [
      ["/runs/not-a-uuid/export.csv", 400, /id must be a Run ID .* or a run UUID; got "not-a-uuid"/],
      [`/runs/${unknown}/export.json`, 404, new RegExp(`run ${unknown} does not exist`)],
      ["/runs/xyz/params.npz", 400, /got "xyz"/],
      [`/runs/${unknown}/params.npz`, 404, /does not exist/],
      ["/compare/export.csv", 400, /ids must list the runs/],
      [`/compare/export.json?ids=${runA.uuid},bogus`, 400, /ids must be a Run ID .*; got "bogus"/],
      [`/compare/export.csv?ids=${runA.uuid},${unknown}`, 404, new RegExp(`run ${unknown} does not exist`)],
      ["/sweeps/bogus/trials.csv", 400, /id must be a Sweep ID/],
      [`/sweeps/${unknown}/trials.json`, 404, new RegExp(`sweep ${unknown} does not exist`)],
    ];
    for (const [url, status, message] of cases) {
      const res = await get(url);
      expect({ url, status: res.status }).toEqual({ url, status });
      expect(await res.text()).toMatch(message);
    }
  });

  it("a sweep's trials export as one row each, CSV and JSON, equal to its runs", async () => {
    const { startSweep } = await gqlOk<{ startSweep: { uuid: string } }>(
      api.url,
      `mutation ($input: StartSweepInput!) { startSweep(input: $input) { uuid } }`,
      {
        input: {
          strategy: "GRID",
          space: { learningRates: [0.1, 0.3], hiddenSizes: [8], regs: [0] },
          numIters: 20,
          batchSize: 20,
        },
      },
    );
    await waitFor(
      async () => {
        const [sweep] = await query<{ status: string }>(`SELECT status FROM "Sweep" WHERE id = $1`, [startSweep.uuid]);
        return sweep?.status === "SUCCEEDED";
      },
      120_000,
      "the sweep to end",
    );
    const trials = await query<{ id: string; learningRate: number; bestValAcc: number }>(
      `SELECT id, "learningRate", "bestValAcc" FROM "Run" WHERE "sweepId" = $1 ORDER BY "createdAt", id`,
      [startSweep.uuid],
    );
    expect(trials).toHaveLength(2);

    const csv = await get(`/sweeps/${startSweep.uuid}/trials.csv`);
    expect(csv.headers.get("content-disposition")).toBe(`attachment; filename="sweep-${startSweep.uuid}-trials.csv"`);
    const rows = parse(await csv.text(), { columns: true }) as Record<string, string>[];
    expect(
      rows.map((r) => ({ id: r.run_id, learningRate: Number(r.learningRate), bestValAcc: Number(r.best_val_acc) })),
    ).toEqual(trials);

    const json = (await (await get(`/sweeps/${startSweep.uuid}/trials.json`)).json()) as {
      trials: { id: string; bestValAcc: number; hyperparameters: { learningRate: number } }[];
    };
    expect(
      json.trials.map((t) => ({ id: t.id, learningRate: t.hyperparameters.learningRate, bestValAcc: t.bestValAcc })),
    ).toEqual(trials);
  }, 180_000);

  it("with a closed API, downloads need the token (as the weights image does)", async () => {
    const closed = await startApi(databaseUrl, { access: { tokens: ["secret-token"], publicQueries: false } });
    const at = (p: string, headers: Record<string, string> = {}) =>
      fetch(`${new URL(closed.url).origin}${p}`, { headers });
    expect((await at(`/runs/${runA.uuid}/export.csv`)).status).toBe(401);
    expect((await at(`/runs/${runA.uuid}/params.npz`)).status).toBe(401);
    expect((await at(`/runs/${runA.uuid}/export.csv?access_token=secret-token`)).status).toBe(200);
    // The read-only stand-in the dashboard's links carry: it reads files, and is no token for anything else.
    const readToken = fileReadToken("secret-token");
    // (HMAC-SHA-256 as Node computes it: the dashboard derives it in any browser, secure context or not.)
    expect(readToken).toBe(createHmac("sha256", "secret-token").update("trainql: read files").digest("base64url"));
    expect(readToken).not.toContain("secret-token");
    expect((await at(`/runs/${runA.uuid}/export.csv?read_token=${readToken}`)).status).toBe(200);
    expect((await at(`/runs/${runA.uuid}/export.csv?read_token=${fileReadToken("other")}`)).status).toBe(401);
    const mutation = await gql(
      closed.url,
      `mutation { deleteRun(id: "${runA.uuid}") }`,
      {},
      {
        authorization: `Bearer ${readToken}`,
      },
    );
    expect(mutation.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await at(`/compare/export.json?ids=${runA.uuid}`, { authorization: "Bearer secret-token" })).status).toBe(
      200,
    );
  });

  const numpy = spawnSync("python3", ["-c", "import numpy"]).status === 0;
  it.skipIf(!numpy)(
    "the .npz loads in NumPy as the assignment's params (W1 (D,H), b1 (H,), W2 (H,C), b2 (C,)) and predicts the validation set as the run measured",
    async () => {
      const res = await get(`/runs/${runA.uuid}/params.npz`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe(`attachment; filename="run-${runA.uuid}-params.npz"`);
      expect(res.headers.get("x-checkpoint-iteration")).toBe(String(TRAINING.numIters));

      const dir = await mkdtemp(path.join(os.tmpdir(), "trainql-npz-"));
      cleanup(() => rm(dir, { recursive: true, force: true }));
      await writeFile(path.join(dir, "params.npz"), new Uint8Array(await res.arrayBuffer()));
      // The validation set as the trainer preprocessed it, handed to NumPy as .npy files.
      const { val } = await loadCifar10({ dataDir, recordsPerBatch: TINY_RECORDS });
      await writeFile(path.join(dir, "X_val.npy"), new Uint8Array(dump(val.x, [val.n, val.x.length / val.n])));
      await writeFile(path.join(dir, "y_val.npy"), new Uint8Array(dump(val.y, [val.n])));

      // The reference TwoLayerNet's forward pass (loss/predict), written in NumPy.
      const script = `
import json, sys, numpy as np
d = sys.argv[1]
params = dict(np.load(d + "/params.npz"))
X, y = np.load(d + "/X_val.npy"), np.load(d + "/y_val.npy")
h = np.maximum(0, X.dot(params["W1"]) + params["b1"])
scores = h.dot(params["W2"]) + params["b2"]
print(json.dumps({
  "keys": sorted(params),
  "shapes": {k: list(v.shape) for k, v in params.items()},
  "dtypes": sorted({str(v.dtype) for v in params.values()}),
  "acc": float((scores.argmax(axis=1) == y).mean()),
}))`;
      const out = JSON.parse(execFileSync("python3", ["-c", script, dir], { encoding: "utf8" }));
      expect(out.keys).toEqual(["W1", "W2", "b1", "b2"]);
      const H = TRAINING.hiddenSize;
      expect(out.shapes).toEqual({ W1: [3072, H], b1: [H], W2: [H, 10], b2: [10] });
      expect(out.dtypes).toEqual(["float32"]);
      // The trainer measured finalValAcc with these same final parameters.
      expect(out.acc).toBe(runA.finalValAcc);
    },
  );
  if (!numpy) it.skip("the .npz loads in NumPy: skipped, python3 with numpy is not installed here", () => {});
});
