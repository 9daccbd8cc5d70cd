// The list pages' queries, as the API sends them, EXPLAINed on a database big enough that the
// planner's choice means something: each must find its rows through an index, not a scan of the
// table, and a page of the root lists must come out of its index already in order (no sort).
//
// Why seeded rows and not `enable_seqscan = off`: with seqscan off, PostgreSQL still picks a seq scan
// when no index can serve the query, and any index at all when one can, so that setting only proves
// that an index *could* be used. On 20,000 runs with statistics (ANALYZE) the planner weighs real
// costs, so the plan asserted here is the plan production gets at that size and above. (On a nearly
// empty table a seq scan is the right plan, which is why the tables are seeded first.)
import { createDb, type Db, type SentQuery } from "@trainql/db";
import { execute, parse } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "../src/schema/builder.ts";
import { schema } from "../src/schema/index.ts";
import { freshDatabase } from "./harness.ts";

const RUNS = 20_000;
const SWEEPS = 2_000;
/**
 * Mostly finished runs, a few live: what a long-used installation looks like. Half the runs are sweep
 * trials: half of those belong to one big sweep (a long random search), the rest to 200 grids of 25
 * (the other sweeps' trials were deleted). Which sweep owns what is fixed by age, not by the random
 * ids: the big sweep is the oldest and every tenth sweep from the newest is a grid, so the sweeps
 * page's first 21 sweeps always hold 3 grids. (Drawn by id, the big sweep landed among the newest
 * about one seed in a hundred; with a quarter of the table then matching, a scan is the right plan.)
 */
const SEED = `
  INSERT INTO "Sweep" (id, status, strategy, config, "createdAt")
  SELECT gen_random_uuid(), 'SUCCEEDED', 'GRID', '{}'::jsonb, now() - g * interval '1 hour'
  FROM generate_series(1, ${SWEEPS}) g;
  WITH sweeps AS (SELECT array_agg(id ORDER BY "createdAt" DESC) AS ids FROM "Sweep")
  INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize",
                     "numIters", "weightScale", seed, "createdAt", iteration, "bestValAcc", "sweepId")
  SELECT gen_random_uuid(),
         (CASE WHEN g % 100 = 0 THEN 'RUNNING' WHEN g % 100 = 1 THEN 'QUEUED' WHEN g % 10 = 3 THEN 'FAILED'
               WHEN g % 10 = 5 THEN 'CANCELLED' ELSE 'SUCCEEDED' END)::"RunStatus",
         36, 0.01, 0.95, 0.25, 1000, 500, 0.0001, g, now() - g * interval '1 minute', 500, random(),
         CASE WHEN g % 4 = 0 THEN sweeps.ids[${SWEEPS}] WHEN g % 4 = 2 THEN sweeps.ids[1 + (g / 4) % 200 * 10] END
  FROM generate_series(1, ${RUNS}) g, sweeps;
  ANALYZE;`;

type PlanNode = {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
};
const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

let db: Db;
let explainer: pg.Client;
const sent: SentQuery[] = [];

beforeAll(async () => {
  const url = await freshDatabase();
  explainer = new pg.Client({ connectionString: url });
  await explainer.connect();
  await explainer.query(SEED);
  db = createDb(url, 2, { onQuery: (query) => sent.push(query) });
});
afterAll(async () => {
  await explainer?.end();
  await db?.$disconnect();
});

/** Runs a document through the schema; returns its data and the statements it sent that read `table`. */
async function statementsOf(document: string, table: "Run" | "Sweep", variables: Record<string, unknown> = {}) {
  sent.length = 0;
  const contextValue = { db } as Context; // queries need nothing else of the context
  const result = await execute({ schema, document: parse(document), variableValues: variables, contextValue });
  expect(result.errors).toBeUndefined();
  return { statements: sent.filter((q) => q.sql.includes(`FROM "public"."${table}"`)), data: result.data };
}

/** The plan PostgreSQL makes for a statement, with the values it was sent with. */
async function planOf({ sql, params }: SentQuery): Promise<PlanNode[]> {
  const { rows } = await explainer.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
  return nodesOf(rows[0]["QUERY PLAN"][0].Plan);
}

/**
 * That the statement reads `table` through an index; with `inOrder`, also that the index yields the
 * rows in the requested order, so that a page of 20 reads about 20 rows instead of sorting every match.
 * Returns the plan's scans of `table`, for the failure messages of callers.
 */
async function expectIndexed(statement: SentQuery, table: string, { inOrder = false } = {}): Promise<string[]> {
  const nodes = await planOf(statement);
  const scans = nodes
    .filter((n) => n["Relation Name"] === table || n["Index Name"]?.startsWith(`${table}_`))
    .map((n) => `${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}`);
  const described = `${statement.sql}\n${JSON.stringify(statement.params)}\n${scans.join("\n")}`;
  expect(scans.length, described).toBeGreaterThan(0);
  expect(
    scans.filter((scan) => scan.startsWith("Seq Scan")),
    described,
  ).toEqual([]);
  if (inOrder)
    expect(
      nodes.filter((n) => n["Node Type"].endsWith("Sort")).map((n) => n["Node Type"]),
      described,
    ).toEqual([]);
  return scans;
}

/** The sweep with the most trials (`DESC`), or a typical one of 25 (`ASC`). */
async function sweepId(size: "DESC" | "ASC"): Promise<string> {
  const { rows } = await explainer.query(
    `SELECT "sweepId" AS id FROM "Run" WHERE "sweepId" IS NOT NULL GROUP BY 1 ORDER BY count(*) ${size} LIMIT 1`,
  );
  return rows[0].id;
}

describe(`the list pages' queries, on ${RUNS} runs and ${SWEEPS} sweeps`, () => {
  it("runs(first: 20), newest first: an indexed, ordered read of just the columns asked for, on every page", async () => {
    const page = `query ($after: String) {
      runs(first: 20, after: $after) { edges { node { id status } } pageInfo { endCursor } } }`;
    const first = await statementsOf(page, "Run");
    expect(first.statements).toHaveLength(1);
    // Nobody asked for the weights image, the error or the hyperparameters: they are not read (the
    // creation time is, for the cursors).
    expect(first.statements[0]!.sql).toMatch(
      /^SELECT "public"\."Run"\."id", "public"\."Run"\."createdAt", "public"\."Run"\."status"::text FROM/,
    );
    expect(await expectIndexed(first.statements[0]!, "Run", { inOrder: true })).toEqual([
      "Index Scan using Run_createdAt_id_idx",
    ]);
    // The next page reads on in the same index from the cursor's key.
    const { endCursor } = (first.data as { runs: { pageInfo: { endCursor: string } } }).runs.pageInfo;
    const next = await statementsOf(page, "Run", { after: endCursor });
    expect(next.statements).toHaveLength(1);
    await expectIndexed(next.statements[0]!, "Run", { inOrder: true });
    // …starting there, not reading from the top of the index and filtering up to it.
    const conditions = (await planOf(next.statements[0]!)).map((n) => n["Index Cond"] ?? "");
    expect(conditions.join("\n")).toMatch(/"createdAt" <= /);
  });

  it("runs filtered by status, or by sweep: indexed and in order", async () => {
    for (const variables of [
      { status: ["RUNNING"] },
      { status: ["RUNNING", "QUEUED"] },
      { sweepId: await sweepId("DESC") },
    ]) {
      const { statements } = await statementsOf(
        `query ($status: [RunStatus!], $sweepId: ID) {
          runs(first: 20, status: $status, sweepId: $sweepId) { edges { node { id status } } } }`,
        "Run",
        variables,
      );
      expect(statements).toHaveLength(1);
      await expectIndexed(statements[0]!, "Run", { inOrder: true });
    }
  });

  it("runs filtered by a tag: read through the GIN index on tags, not a scan", async () => {
    // One run in 1,000 carries the tag looked for; half carry another.
    await explainer.query(`UPDATE "Run" SET tags = CASE WHEN seed % 1000 = 0 THEN ARRAY['rare', 'common']
      WHEN seed % 2 = 0 THEN ARRAY['common'] ELSE tags END; ANALYZE "Run"`);
    const { statements, data } = await statementsOf(
      `query ($tags: [String!]) { runs(first: 20, filter: { tags: $tags }) { edges { node { id tags } } } }`,
      "Run",
      { tags: ["rare"] },
    );
    expect(statements).toHaveLength(1);
    expect((data as { runs: { edges: unknown[] } }).runs.edges).toHaveLength(20);
    expect(await expectIndexed(statements[0]!, "Run")).toContain("Bitmap Index Scan using Run_tags_idx");
  });

  it("a sweep's trials, and the sweeps page with theirs: one indexed read a table", async () => {
    for (const document of [
      `{ sweep(id: "${await sweepId("ASC")}") { status trials { id status } itersSpent } }`,
      `{ sweeps(first: 20) { edges { node { status trials { id status } itersSpent } } } }`,
    ]) {
      for (const table of ["Sweep", "Run"] as const) {
        const { statements } = await statementsOf(document, table);
        // One statement a table however many sweeps: trials (and itersSpent, which reads the same
        // rows) are loaded for all the sweeps at once, not sweep by sweep.
        expect(statements, document).toHaveLength(1);
        await expectIndexed(statements[0]!, table);
      }
    }
  });
});
