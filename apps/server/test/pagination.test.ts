// Relay paging of `runs` on cursors that hold the sort key of their run (schema/runOrder.ts): in every
// order, paging forwards and paging backwards visit the same runs in the same order, each once — ties and
// null accuracies included — also while runs change or go between pages; and a cursor this API did not
// hand out is the caller's mistake (BAD_USER_INPUT naming the argument).
import { randomUUID } from "node:crypto";
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
  const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const uuid = randomUUID();
  for (const [argument, variables] of [
    ["after", { first: 2, after: "not-a-cursor" }],
    ["before", { last: 2, before: Buffer.from("GPC:S:42").toString("base64") }],
    // Well-formed JSON that no page gave: an inherited name, a key out of range.
    ["after", { first: 2, after: json(["toString"]) }],
    ["after", { first: 2, after: json(["CREATED_AT_DESC", "+275760-09-13T00:00:00.000Z", uuid]) }],
    ["after", { first: 2, after: json(["CREATED_AT_DESC", "0000-01-01T00:00:00.000Z", uuid]) }],
    [
      "after",
      {
        first: 2,
        after: Buffer.from(`["BEST_VAL_ACC_DESC",1e999,"2026-01-01T00:00:00.000Z","${uuid}"]`).toString("base64url"),
      },
    ],
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

/** The uuids of every page of `orderBy` from `after` on. */
async function pagesFrom(orderBy: string, after: string | null): Promise<string[]> {
  const uuids: string[] = [];
  for (;;) {
    const { runs } = await page({ first: 7, after, orderBy });
    uuids.push(...runs.edges.map((e) => e.node.uuid));
    if (!runs.pageInfo.hasNextPage) return uuids;
    after = runs.pageInfo.endCursor;
  }
}

it("pages on from where the last page ended when its run's accuracy changed since: none twice, none missed", async () => {
  // The run at the cursor trains on between two requests. Prisma's id cursors paged from its new place:
  // up to the top (every run of the first page again), or down to the bottom (every run between missed).
  for (const [orderBy, column, now] of [
    ["BEST_VAL_ACC_DESC", "bestValAcc", 0.99],
    ["FINAL_VAL_ACC_DESC", "finalValAcc", 0.01],
    ["FINAL_VAL_ACC_ASC", "finalValAcc", 0.99],
    ["CREATED_AT_DESC", "bestValAcc", 0.99],
  ] as const) {
    const all = await pagesFrom(orderBy, null);
    const first = await page({ first: 7, orderBy });
    const moved = first.runs.edges.at(-1)!.node.uuid;
    const was = await db.run.findUniqueOrThrow({ where: { id: moved } });
    await db.run.update({ where: { id: moved }, data: { [column]: now } });
    try {
      const rest = await pagesFrom(orderBy, first.runs.pageInfo.endCursor);
      // Every other run once, in order; the moved one where it sorts now (after the cursor, or not at all).
      expect(
        rest.filter((uuid) => uuid !== moved),
        orderBy,
      ).toEqual(all.slice(7));
    } finally {
      await db.run.update({ where: { id: moved }, data: { [column]: was[column] } });
    }
  }
});

it("pages on past a run deleted since its page", async () => {
  const all = await pagesFrom("CREATED_AT_DESC", null);
  const first = await page({ first: 5 });
  await db.run.delete({ where: { id: first.runs.edges.at(-1)!.node.uuid } });
  expect(await pagesFrom("CREATED_AT_DESC", first.runs.pageInfo.endCursor)).toEqual(all.slice(5));
});

it("refuses to page sweeps after one deleted since, rather than answer an empty last page", async () => {
  // (Sweeps page with Prisma's id cursors, which need the row; no mutation deletes one, but the
  // database may.)
  await db.$executeRaw`INSERT INTO "Sweep" (id, status, strategy, config, "createdAt")
    SELECT gen_random_uuid(), 'SUCCEEDED', 'GRID', '{}'::jsonb, now() - g * interval '1 hour' FROM generate_series(1, 3) g`;
  const first = await query(`{ sweeps(first: 1) { edges { node { uuid } } pageInfo { endCursor } } }`, {});
  const { sweeps } = first.data as { sweeps: { edges: { node: { uuid: string } }[]; pageInfo: { endCursor: string } } };
  await db.sweep.delete({ where: { id: sweeps.edges[0]!.node.uuid } });
  const result = await query(`query ($after: String) { sweeps(first: 1, after: $after) { edges { node { id } } } }`, {
    after: sweeps.pageInfo.endCursor,
  });
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  expect(result.errors?.[0]?.message).toMatch(/^after: the row at this cursor was deleted since/);
});

it("refuses a cursor of the list in another order, naming the argument and the order it belongs to", async () => {
  const { endCursor } = (await page({ first: 3, orderBy: "BEST_VAL_ACC_DESC" })).runs.pageInfo;
  const result = await query(`query ($after: String) { runs(first: 3, after: $after) { edges { node { id } } } }`, {
    after: endCursor,
  });
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  expect(result.errors?.[0]?.message).toMatch(
    /^after is a cursor of the runs in the order BEST_VAL_ACC_DESC; page with orderBy: BEST_VAL_ACC_DESC/,
  );
});

it("refuses a page size or a mix of arguments it cannot serve, naming the argument, for runs and sweeps", async () => {
  // (Well-formed cursors, a run's and a sweep's: what is refused is the mix.)
  const cursors: Record<string, string> = {
    runs: (await page({ first: 1 })).runs.pageInfo.endCursor,
    sweeps: Buffer.from(`GPC:S:${randomUUID()}`).toString("base64"),
  };
  const cases = (cursor: string) =>
    [
      ["first", { first: -1 }, /^first must be at least 0/],
      ["last", { last: -1 }, /^last must be at least 0/],
      ["first", { first: 10_000 }, /^first must be at most \d+: page on with the cursors/],
      ["last", { first: 2, last: 2 }, /^first and last cannot be given together/],
      ["before", { first: 2, before: cursor }, /^first and before cannot be given together/],
      ["after", { last: 2, after: cursor }, /^last and after cannot be given together/],
    ] as const;
  for (const connection of ["runs", "sweeps"]) {
    for (const [argument, variables, message] of cases(cursors[connection]!)) {
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
