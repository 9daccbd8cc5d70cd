// Seed groups through the real API, queue and trainer: one configuration over several seeds, and the
// group's mean ± std (computed by PostgreSQL) against the members' own epochs, recomputed here.
import { createDb } from "@trainql/db";
import { graphql } from "@trainql/graphql";
import { advanceSweep } from "@trainql/runs";
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
  tinyDataset,
  waitFor,
} from "./harness.ts";

let databaseUrl: string;
let api: TestServer;

const START = graphql(`
  mutation StartGroup($input: StartRunInput!) { startRun(input: $input) { uuid hyperparameters { seed } group { id uuid runs { hyperparameters { seed } } } } }
`);
const GROUP = graphql(`
  query Group($id: ID!) {
    runGroup(id: $id) {
      uuid
      runs {
        uuid status finalValAcc testAcc group { uuid }
        hyperparameters { seed hiddenSize learningRate }
        valConfusion { classes classAccuracy }
        epochs { epoch iteration loss trainAcc valAcc }
      }
      stats {
        epochs {
          epoch iteration
          valAcc { mean std n } trainAcc { mean std n } loss { mean std n }
        }
        finalValAcc { mean std n }
        testAcc { mean std n }
        classValAcc { className accuracy { mean std n } }
      }
    }
  }
`);
const EVALUATE = graphql(`mutation EvaluateMember($id: ID!) { evaluateTest(runId: $id) { uuid } }`);

/** Mean and sample standard deviation (n − 1), written out independently of the server's SQL. */
function meanStd(values: number[]): { mean: number; std: number | null } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

function expectMeanStd(actual: { mean: number | null; std: number | null; n: number }, values: number[]) {
  const expected = meanStd(values);
  expect(actual.n).toBe(values.length);
  expect(actual.mean).toBeCloseTo(expected.mean, 12);
  if (expected.std === null) expect(actual.std).toBeNull();
  else expect(actual.std).toBeCloseTo(expected.std, 12);
}

const count = (table: string) => countRows(databaseUrl, table);

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  const dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
  await startTrainer(databaseUrl, dataDir);
});

describe("seed groups", () => {
  it("startRun with seeds trains one run per seed; the group's band is mean ± sample std of its members", async () => {
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 8, numIters: 60, batchSize: 20, learningRate: 0.1, seeds: [3, 1, 2] },
    });
    expect(startRun.hyperparameters.seed).toBe(3); // the first seed's run
    // Its group, in the same answer, lists every seed's run (it once held the first alone).
    expect(startRun.group!.runs.map((r) => r.hyperparameters.seed)).toEqual([1, 2, 3]);
    const groupId = startRun.group!.id;
    const group = await waitFor(
      async () => {
        const { runGroup } = await gqlOk(api.url, GROUP, { id: groupId });
        return runGroup.runs.every((r) => r.status === "SUCCEEDED") && runGroup;
      },
      120_000,
      "the group's runs to succeed",
    );
    expect(group.runs.map((r) => r.hyperparameters.seed)).toEqual([1, 2, 3]);
    expect(new Set(group.runs.map((r) => r.hyperparameters.hiddenSize))).toEqual(new Set([8]));
    expect(group.runs.every((r) => r.group?.uuid === group.uuid)).toBe(true);
    // Different seeds train different runs: the band has width.
    expect(
      new Set(group.runs.map((r) => r.finalValAcc)).size + new Set(group.runs.map((r) => r.epochs[0]!.loss)).size,
    ).toBeGreaterThan(2);

    const epochs = group.runs[0]!.epochs.map((e) => e.epoch);
    expect(epochs.length).toBeGreaterThan(1);
    expect(group.stats.epochs.map((e) => e.epoch)).toEqual(epochs);
    for (const stat of group.stats.epochs) {
      const at = group.runs.map((r) => r.epochs.find((e) => e.epoch === stat.epoch)!);
      expect(stat.iteration).toBe(at[0]!.iteration);
      expectMeanStd(
        stat.valAcc,
        at.map((e) => e.valAcc),
      );
      expectMeanStd(
        stat.trainAcc,
        at.map((e) => e.trainAcc),
      );
      expectMeanStd(
        stat.loss,
        at.map((e) => e.loss),
      );
    }
    expectMeanStd(
      group.stats.finalValAcc,
      group.runs.map((r) => r.finalValAcc!),
    );
    expect(group.stats.testAcc).toEqual({ mean: null, std: null, n: 0 });
    // Per class: over the members, each one's accuracy on the class (its confusion matrix's row).
    expect(group.stats.classValAcc.map((c) => c.className)).toEqual(group.runs[0]!.valConfusion!.classes);
    group.stats.classValAcc.forEach(({ accuracy }, c) => {
      const values = group.runs.flatMap((r) => {
        const value = r.valConfusion!.classAccuracy[c];
        return value === null || value === undefined ? [] : [value];
      });
      if (values.length === 0) expect(accuracy).toEqual({ mean: null, std: null, n: 0 });
      else expectMeanStd(accuracy, values);
    });
    const spread = group.stats.classValAcc.filter((c) => (c.accuracy.std ?? 0) > 0);
    expect(spread.length).toBeGreaterThan(0); // (seeds that differ, per class too: not a test of zeros)

    for (const run of group.runs) await gqlOk(api.url, EVALUATE, { id: run.uuid });
    const tested = await waitFor(
      async () => {
        const { runGroup } = await gqlOk(api.url, GROUP, { id: groupId });
        return runGroup.runs.every((r) => r.testAcc !== null) && runGroup;
      },
      60_000,
      "every member's test accuracy",
    );
    expectMeanStd(
      tested.stats.testAcc,
      tested.runs.map((r) => r.testAcc!),
    );
  });

  it("refuses bad seeds naming the field, and writes nothing", async () => {
    const before = [await count("Run"), await count("RunGroup")];
    const cases: [unknown, RegExp][] = [
      [[], /needs 1 to 20 seeds; got 0/],
      [Array.from({ length: 21 }, (_, i) => i), /needs 1 to 20 seeds; got 21/],
      [[4, 5, 4], /must be distinct; 4 repeated/],
      [[1, -1], /must be an integer from 0 to 2147483647; got -1/],
    ];
    for (const [seeds, message] of cases) {
      const result = await gql(api.url, START, { input: { hiddenSize: 8, numIters: 20, seeds } } as never);
      const error = result.errors?.[0];
      expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(String(error?.extensions?.field)).toMatch(/^input\.seeds/);
      expect(error?.message).toMatch(message);
    }
    expect([await count("Run"), await count("RunGroup")]).toEqual(before);
  });

  it("runGroup: an ID that is not a group's is BAD_USER_INPUT; an unknown group NOT_FOUND", async () => {
    const bad = await gql(api.url, GROUP, { id: "nope" });
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toMatch(/RunGroup ID/);
    const missing = await gql(api.url, GROUP, { id: "00000000-0000-4000-8000-000000000000" });
    expect(missing.errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });
});

const START_SWEEP = graphql(`
  mutation StartSeededSweep($input: StartSweepInput!) { startSweep(input: $input) { uuid seeds plannedIters } }
`);
const SWEEP = graphql(`
  query SeededSweep($id: ID!) {
    sweep(id: $id) {
      status seeds
      bestRun { uuid group { uuid } }
      groups { uuid runs { uuid status finalValAcc testAcc hyperparameters { seed learningRate } } stats { finalValAcc { mean n } } }
    }
  }
`);

const HALVING = graphql(`
  query HalvingSweep($id: ID!) {
    sweep(id: $id) {
      status
      bestRun { group { uuid } }
      groups { uuid runs { status iteration epochs { epoch valAcc } } }
    }
  }
`);

describe("sweeps with seeds", () => {
  it("GRID repeats each trial over the seeds and picks the best group by its mean validation accuracy", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: { learningRates: [0.02, 0.3], hiddenSizes: [8], regs: [1e-3] },
        strategy: "GRID",
        numIters: 40,
        batchSize: 20,
        seeds: [7, 8],
      },
    });
    expect(startSweep.seeds).toEqual([7, 8]);
    expect(startSweep.plannedIters).toBe(2 * 2 * 40);
    const sweep = await waitFor(
      async () => {
        const { sweep } = await gqlOk(api.url, SWEEP, { id: startSweep.uuid });
        const best = sweep.groups.find((g) => g.uuid === sweep.bestRun?.group?.uuid);
        return sweep.status === "SUCCEEDED" && best?.runs.every((r) => r.testAcc !== null) && sweep;
      },
      120_000,
      "the sweep to end and its best group to be tested",
    );
    expect(sweep.groups).toHaveLength(2);
    for (const group of sweep.groups) {
      expect(group.runs.map((r) => r.hyperparameters.seed)).toEqual([7, 8]);
      expect(new Set(group.runs.map((r) => r.hyperparameters.learningRate)).size).toBe(1);
    }
    const mean = (g: (typeof sweep.groups)[number]) => g.runs.reduce((s, r) => s + r.finalValAcc!, 0) / g.runs.length;
    const bestGroup = [...sweep.groups].sort((a, b) => mean(b) - mean(a))[0]!;
    expect(sweep.bestRun?.group?.uuid).toBe(bestGroup.uuid);
    expect(bestGroup.stats.finalValAcc.mean).toBeCloseTo(mean(bestGroup), 12);
    const other = sweep.groups.find((g) => g !== bestGroup)!;
    expect(other.runs.every((r) => r.testAcc === null)).toBe(true); // the test set never chooses
  });

  it("SUCCESSIVE_HALVING promotes whole groups by their mean validation accuracy", async () => {
    const { startSweep } = await gqlOk(api.url, START_SWEEP, {
      input: {
        space: { learningRates: [0.02, 0.3], hiddenSizes: [8], regs: [1e-3] },
        strategy: "SUCCESSIVE_HALVING",
        eta: 2,
        numIters: 40, // 20 iterations an epoch: rung 0 trains both groups to 20, rung 1 the better one to 40
        batchSize: 20,
        seeds: [4, 5],
      },
    });
    const sweep = await waitFor(
      async () => {
        const { sweep } = await gqlOk(api.url, HALVING, { id: startSweep.uuid });
        return sweep.status === "SUCCEEDED" && sweep;
      },
      120_000,
      "the halving sweep to end",
    );
    const [promoted, stopped] = [...sweep.groups].sort(
      (a, b) => Number(b.runs[0]!.status === "SUCCEEDED") - Number(a.runs[0]!.status === "SUCCEEDED"),
    );
    // Each group moved as a whole: both members trained on, or both stopped at the first rung.
    expect(promoted!.runs.map((r) => [r.status, r.iteration])).toEqual([
      ["SUCCEEDED", 40],
      ["SUCCEEDED", 40],
    ]);
    expect(stopped!.runs.map((r) => [r.status, r.iteration])).toEqual([
      ["STOPPED", 20],
      ["STOPPED", 20],
    ]);
    // …chosen by the members' mean validation accuracy at the end of the first rung (epoch 0).
    const rungMean = (g: typeof promoted) => g!.runs.reduce((s, r) => s + r.epochs[0]!.valAcc, 0) / g!.runs.length;
    expect(rungMean(promoted)).toBeGreaterThanOrEqual(rungMean(stopped));
    expect(sweep.bestRun?.group?.uuid).toBe(promoted!.uuid);
  });
});

describe("seed groups with members that failed or were cancelled (rows set as a trainer would leave them)", () => {
  // A database and API of their own, with no trainer: the members' rows are written here.
  const setUp = async () => {
    const databaseUrl = await freshDatabase();
    const { url } = await startApi(databaseUrl);
    const sql = new pg.Client({ connectionString: databaseUrl });
    await sql.connect();
    cleanup(() => sql.end());
    const db = createDb(databaseUrl, 1);
    cleanup(() => db.$disconnect());
    /** Writes a member's row as its trainer would have left it. */
    const set = (id: string, fields: Record<string, string | number | null>) => {
      const names = Object.keys(fields).map((name, i) => `"${name}" = $${i + 2}`);
      return sql.query(`UPDATE "Run" SET ${names.join(", ")} WHERE id = $1`, [id, ...Object.values(fields)]);
    };
    const jobs = async (task: string) =>
      (
        await sql.query<{ key: string }>(`SELECT key FROM graphile_worker.jobs WHERE key LIKE $1 ORDER BY key`, [
          `${task}:%`,
        ])
      ).rows.map((r) => r.key);
    return { url, sql, db, set, jobs };
  };

  const SWEPT = graphql(`
    mutation StartSweepOfGroups($input: StartSweepInput!) {
      startSweep(input: $input) { uuid rungs { budget } groups { uuid runs { uuid } } }
    }
  `);
  const RANKED = graphql(`
    query RankedSweep($id: ID!) {
      sweep(id: $id) {
        status rung
        bestRun { uuid }
        groups { uuid runs { uuid status budgetIters } stats { members failed cancelled finalValAcc { mean n } } }
      }
    }
  `);
  const seededSweep = (strategy: "GRID" | "SUCCESSIVE_HALVING") => ({
    space: { learningRates: [0.05, 0.1], hiddenSizes: [8], regs: [1e-3] },
    strategy,
    eta: 2,
    numIters: 200, // 40 iterations an epoch (40,000 images assumed without a trainer): halving's rungs end at 100 and 200
    batchSize: 1000,
    seeds: [1, 2, 3],
  });
  const ended = (status: string, iteration: number, finalValAcc: number | null = null) => ({
    status,
    iteration,
    finalValAcc,
    finishedAt: new Date().toISOString(),
  });

  it("a sweep picks the group whose seeds all completed, not one with a higher mean over the seeds that did not diverge", async () => {
    const { url, db, set, jobs } = await setUp();
    const { startSweep } = await gqlOk(url, SWEPT, { input: seededSweep("GRID") });
    const [a, b] = startSweep.groups.map((g) => g.runs.map((r) => r.uuid)) as [string[], string[]];
    // A (queued first): one seed reached 0.52, two diverged. B: all three reached 0.51.
    await set(a[0]!, ended("SUCCEEDED", 200, 0.52));
    for (const id of a.slice(1)) await set(id, ended("FAILED", 40));
    for (const id of b) await set(id, ended("SUCCEEDED", 200, 0.51));
    await advanceSweep(db, startSweep.uuid); // (what a trainer does when the last trial ends)

    const { sweep } = await gqlOk(url, RANKED, { id: startSweep.uuid });
    expect(sweep.status).toBe("SUCCEEDED");
    expect(b).toContain(sweep.bestRun?.uuid);
    // Every member of B is tested, none of A.
    expect(await jobs("evaluate")).toEqual(b.map((id) => `evaluate:${id}`).sort());
    // What the ranking counted, as the API reports it.
    expect(
      sweep.groups.map((g) => [g.stats.members, g.stats.failed, g.stats.cancelled, g.stats.finalValAcc.n]),
    ).toEqual([
      [3, 2, 0, 1],
      [3, 0, 0, 3],
    ]);
  });

  it("successive halving promotes the complete group over one with a cancelled member and a higher mean", async () => {
    const { url, db, set } = await setUp();
    const { startSweep } = await gqlOk(url, SWEPT, { input: seededSweep("SUCCESSIVE_HALVING") });
    expect(startSweep.rungs.map((r) => r.budget)).toEqual([100, 200]);
    const [a, b] = startSweep.groups.map((g) => g.runs.map((r) => r.uuid)) as [string[], string[]];
    // At the first rung's budget: A has two seeds at 0.52 and one cancelled; B three at 0.51.
    for (const id of a.slice(0, 2)) await set(id, ended("PAUSED", 100, 0.52));
    await set(a[2]!, ended("CANCELLED", 60));
    for (const id of b) await set(id, ended("PAUSED", 100, 0.51));
    await advanceSweep(db, startSweep.uuid);

    const { sweep } = await gqlOk(url, RANKED, { id: startSweep.uuid });
    expect(sweep.rung).toBe(1);
    const [groupA, groupB] = sweep.groups;
    expect(groupB!.runs.map((r) => [r.status, r.budgetIters])).toEqual([
      ["QUEUED", 200],
      ["QUEUED", 200],
      ["QUEUED", 200],
    ]);
    expect(groupA!.runs.map((r) => r.status).sort()).toEqual(["CANCELLED", "STOPPED", "STOPPED"]);
    expect(groupA!.stats).toMatchObject({ members: 3, failed: 0, cancelled: 1 });
  });

  it("a group's per-epoch band leaves out its FAILED and CANCELLED members, and n says how many it is over", async () => {
    const { url, sql, set } = await setUp();
    const { startRun } = await gqlOk(url, START, {
      input: { hiddenSize: 8, numIters: 200, batchSize: 1000, seeds: [1, 2, 3, 4] },
    });
    const { runGroup } = await gqlOk(url, GROUP, { id: startRun.group!.id });
    const [done, diverged, cancelled, live] = runGroup.runs.map((r) => r.uuid) as [string, string, string, string];
    // Epochs as each member's trainer wrote them: the diverged one's first epoch is far off, then it stops.
    const epochs: [string, number[]][] = [
      [done, [0.3, 0.4, 0.5]],
      [diverged, [0.1]],
      [cancelled, [0.2, 0.25]],
      [live, [0.32, 0.44]],
    ];
    for (const [runId, valAccs] of epochs)
      for (const [epoch, valAcc] of valAccs.entries())
        await sql.query(
          `INSERT INTO "EpochMetric" ("runId", epoch, iteration, loss, "trainAcc", "valAcc", "learningRate", "elapsedMs")
           VALUES ($1, $2, $3, $4, $5, $6, 0.001, 1)`,
          [runId, epoch, (epoch + 1) * 40, 2 - valAcc, valAcc + 0.05, valAcc],
        );
    await set(done, ended("SUCCEEDED", 200, 0.5));
    await set(diverged, ended("FAILED", 50));
    await set(cancelled, ended("CANCELLED", 90));
    await set(live, { status: "RUNNING", iteration: 90 });

    const { runGroup: group } = await gqlOk(url, GROUP, { id: startRun.group!.id });
    // Only the members that are not FAILED or CANCELLED: `done` and `live`, then `done` alone.
    const counted = [[0.3, 0.32], [0.4, 0.44], [0.5]];
    expect(group.stats.epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    for (const [i, valAccs] of counted.entries()) {
      const stat = group.stats.epochs[i]!;
      expectMeanStd(stat.valAcc, valAccs);
      expectMeanStd(
        stat.trainAcc,
        valAccs.map((v) => v + 0.05),
      );
      expectMeanStd(
        stat.loss,
        valAccs.map((v) => 2 - v),
      );
    }
    expectMeanStd(group.stats.finalValAcc, [0.5]);
  });
});
