// Relay paging of `runs` on Prisma cursors: in every order, paging forwards and paging backwards visit
// the same runs in the same order, each once — ties and null accuracies included — and a cursor this
// API did not hand out is the caller's mistake (BAD_USER_INPUT naming the argument).
import { createDb, type Db } from "@trainql/db";
import { execute, type GraphQLEnumType, parse } from "graphql";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Context } from "../src/schema/builder.ts";
import { schema } from "../src/schema/index.ts";
import { freshDatabase } from "./harness.ts";

const RUNS = 45;
let db: Db;

beforeAll(async () => {
  const url = await freshDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Every third run has no accuracy; pairs share a creation time, so only the id breaks their tie.
  await client.query(`
    INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize",
                       "numIters", "weightScale", seed, "createdAt", "bestValAcc", "finalValAcc")
    SELECT gen_random_uuid(), 'SUCCEEDED', 8, 0.01, 0.95, 0.25, 20, 10, 0.0001, g,
           timestamp '2026-01-01' + (g / 2) * interval '1 minute',
           CASE WHEN g % 3 = 0 THEN NULL ELSE (g % 7) / 10.0 END,
           CASE WHEN g % 4 = 0 THEN NULL ELSE (g % 5) / 10.0 END
    FROM generate_series(1, ${RUNS}) g`);
  await client.end();
  db = createDb(url, 2);
});
afterAll(() => db?.$disconnect());

type Page = {
  runs: {
    edges: { node: { uuid: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string; endCursor: string };
  };
};

async function query(document: string, variables: Record<string, unknown>) {
  return execute({ schema, document: parse(document), variableValues: variables, contextValue: { db } as Context });
}

async function page(variables: Record<string, unknown>): Promise<Page> {
  const result = await query(
    `query ($first: Int, $after: String, $last: Int, $before: String, $orderBy: RunOrder) {
      runs(first: $first, after: $after, last: $last, before: $before, orderBy: $orderBy) {
        edges { node { uuid } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    variables,
  );
  expect(result.errors).toBeUndefined();
  return result.data as unknown as Page;
}

// Every order the API offers.
const ORDERS = (schema.getType("RunOrder") as GraphQLEnumType).getValues().map((v) => v.name);
for (const orderBy of ORDERS) {
  it(`pages ${orderBy} forwards and backwards through the same runs`, async () => {
    const forwards: string[] = [];
    for (let after: string | null = null; ; ) {
      const { runs } = await page({ first: 7, after, orderBy });
      forwards.push(...runs.edges.map((e) => e.node.uuid));
      if (!runs.pageInfo.hasNextPage) break;
      after = runs.pageInfo.endCursor;
    }
    const backwards: string[] = [];
    for (let before: string | null = null; ; ) {
      const { runs } = await page({ last: 7, before, orderBy });
      backwards.unshift(...runs.edges.map((e) => e.node.uuid));
      if (!runs.pageInfo.hasPreviousPage) break;
      before = runs.pageInfo.startCursor;
    }
    expect(new Set(forwards).size).toBe(RUNS);
    expect(backwards).toEqual(forwards);
    // And in one page, the same order.
    expect((await page({ first: RUNS, orderBy })).runs.edges.map((e) => e.node.uuid)).toEqual(forwards);
  });
}

it("orders by the final validation accuracy, what a sweep ranks by, runs without one last", async () => {
  for (const [orderBy, sign] of [
    ["FINAL_VAL_ACC_DESC", -1],
    ["FINAL_VAL_ACC_ASC", 1],
  ] as const) {
    const result = await query(
      `query ($orderBy: RunOrder) { runs(first: ${RUNS}, orderBy: $orderBy) { edges { node { finalValAcc } } } }`,
      { orderBy },
    );
    const values = (result.data as { runs: { edges: { node: { finalValAcc: number | null } }[] } }).runs.edges.map(
      (e) => e.node.finalValAcc,
    );
    const known = values.filter((v): v is number => v !== null);
    expect(values.slice(known.length).every((v) => v === null)).toBe(true);
    expect(known).toEqual([...known].sort((a, b) => sign * (a - b)));
    expect(new Set(known).size).toBeGreaterThan(2);
  }
});

it("refuses a cursor it did not hand out, naming the argument", async () => {
  for (const [argument, variables] of [
    ["after", { first: 2, after: "not-a-cursor" }],
    ["before", { last: 2, before: Buffer.from("GPC:S:42").toString("base64") }],
  ] as const) {
    const result = await query(
      `query ($first: Int, $after: String, $last: Int, $before: String) {
        runs(first: $first, after: $after, last: $last, before: $before) { edges { node { id } } } }`,
      variables,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.extensions?.field).toBe(argument);
    expect(result.errors?.[0]?.message).toMatch(new RegExp(`^${argument} must be a cursor returned by this API`));
  }
});

it("refuses to page after a run deleted since, rather than answer an empty last page", async () => {
  const first = await page({ first: 5 });
  const cursorRun = first.runs.edges.at(-1)!.node.uuid;
  const before = first.runs.pageInfo.endCursor;
  await db.run.delete({ where: { id: cursorRun } });
  const result = await query(
    `query ($after: String) { runs(first: 5, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`,
    { after: before },
  );
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  expect(result.errors?.[0]?.message).toMatch(/^after: the row at this cursor was deleted since/);
});

it("refuses a page size or a mix of arguments it cannot serve, naming the argument, for runs and sweeps", async () => {
  // (A well-formed cursor: what is refused is the mix.)
  const cursor = (await page({ first: 1 })).runs.pageInfo.endCursor;
  const cases = [
    ["first", { first: -1 }, /^first must be at least 0/],
    ["last", { last: -1 }, /^last must be at least 0/],
    ["first", { first: 10_000 }, /^first must be at most \d+: page on with the cursors/],
    ["last", { first: 2, last: 2 }, /^first and last cannot be given together/],
    ["before", { first: 2, before: cursor }, /^first and before cannot be given together/],
    ["after", { last: 2, after: cursor }, /^last and after cannot be given together/],
  ] as const;
  for (const connection of ["runs", "sweeps"]) {
    for (const [argument, variables, message] of cases) {
      const result = await query(
        `query ($first: Int, $after: String, $last: Int, $before: String) {
          ${connection}(first: $first, after: $after, last: $last, before: $before) { edges { node { id } } } }`,
        variables,
      );
      const error = result.errors?.[0];
      expect(error?.extensions, `${connection} ${JSON.stringify(variables)}`).toMatchObject({
        code: "BAD_USER_INPUT",
        field: argument,
      });
      expect(error?.message).toMatch(message);
    }
  }
});
