// `runs` answered from memory (cache/listCache.ts): against a real API and PostgreSQL, what drops
// a kept answer — a notice from any process, a mutation here, its age — and what is never kept. A run
// is renamed behind the API's back (plain SQL, no notice) so that only the invalidation under test
// can make the new name appear.
import { graphql } from "@trainql/graphql";
import { parse } from "graphql";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { createListCache } from "../src/cache/listCache.ts";
import { cleanup, freshDatabase, gql, gqlOk, startApi, type TestServer, waitFor } from "./harness.ts";

const TOKEN = "list-cache-token";
const NAMES = graphql(`query RunNames { runs(first: 10) { edges { node { uuid name } } } }`);
const START = graphql(`mutation StartNamed($input: StartRunInput!) { startRun(input: $input) { uuid } }`);

let databaseUrl: string;
let sql: pg.Client;
/** Keeps answers for a minute: within a test, only a notice or a mutation drops one. */
let api: TestServer;
let runId: string;

const names = async (server = api) =>
  (await gqlOk(server.url, NAMES)).runs.edges
    .map(({ node }) => node.name)
    .sort((a, b) => String(a).localeCompare(String(b)));

/** Renames the run without the API or a notice knowing. */
const renameQuietly = (name: string) => sql.query(`UPDATE "Run" SET name = $1 WHERE id = $2`, [name, runId]);

/** Queries until an answer comes from memory (the cache is on once its LISTEN took effect). */
async function kept(server = api) {
  const hits = server.app.listCache.hits;
  await waitFor(async () => (await names(server)) && server.app.listCache.hits > hits, 10_000, "a kept answer");
}

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  cleanup(() => sql.end());
  api = await startApi(databaseUrl, { listCacheTtlMs: 60_000 });
  runId = (await gqlOk(api.url, START, { input: { name: "first", hiddenSize: 8, numIters: 10 } })).startRun.uuid;
});

describe("runs answered from memory", () => {
  it("until a notice from another process says a run changed", async () => {
    await kept();
    await renameQuietly("after");
    expect(await names()).not.toContain("after"); // kept: the database was not asked
    const invalidations = api.app.listCache.invalidations;
    await sql.query(`SELECT pg_notify('trainql:runs', $1)`, [JSON.stringify({ runId, kind: "updated" })]);
    await waitFor(async () => (await names()).includes("after"), 10_000, "the renamed run");
    expect(api.app.listCache.invalidations).toBeGreaterThan(invalidations);
  });

  it("not after a mutation of this API's, even one refused: its caller reads what it wrote", async () => {
    await kept();
    await renameQuietly("loud");
    expect(await names()).not.toContain("loud");
    const refused = await gql(api.url, START, { input: { hiddenSize: -1 } });
    expect(refused.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await names()).toEqual(["loud"]);
    // A run started here is in the very next list.
    await gqlOk(api.url, START, { input: { name: "second", hiddenSize: 8, numIters: 10 } });
    expect(await names()).toEqual(["loud", "second"]);
  });

  it("for at most its time to live, when no notice comes", async () => {
    const brief = await startApi(databaseUrl, { listCacheTtlMs: 200 });
    await kept(brief);
    await renameQuietly("old");
    await waitFor(async () => (await names(brief)).includes("old"), 10_000, "the answer to expire");
  });

  it("never for another root field, or a document that also asks for one", async () => {
    const one = `query ($id: ID!) { run(id: $id) { name } }`;
    const both = `query ($id: ID!) { run(id: $id) { name } runs(first: 10) { edges { node { name } } } }`;
    for (const document of [one, both]) {
      for (const name of ["x", "y"]) {
        await renameQuietly(name);
        const { data } = await gql<{ run: { name: string } }>(api.url, document, { id: runId });
        expect(data?.run.name).toBe(name);
      }
    }
  });

  it("per viewer: a caller refused by access control never gets what a token holder was answered", async () => {
    const closed = await startApi(databaseUrl, { access: { tokens: [TOKEN], publicQueries: false } });
    const asHolder = () => gql(closed.url, NAMES, {}, { authorization: `Bearer ${TOKEN}` });
    await waitFor(async () => (await asHolder()).data && closed.app.listCache.hits > 0, 10_000, "a kept answer");
    const anonymous = await gql(closed.url, NAMES);
    expect(anonymous.data).toBeUndefined();
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("createListCache", () => {
  const document = parse(`{ runs(first: 1) { edges { node { id } } } }`);
  const result = { data: { runs: { edges: [] } } };

  /** One execution through the plugin: whether it was answered from memory, and its "done" hook. */
  function execute(cache: ReturnType<typeof createListCache<object>>, variableValues = {}) {
    let answered = false;
    const hooks = cache.plugin.onExecute?.({
      args: { document, contextValue: {}, variableValues },
      setResultAndStopExecution: () => {
        answered = true;
      },
    } as never) as { onExecuteDone?: (payload: never) => void } | undefined;
    return { answered, done: () => hooks?.onExecuteDone?.({ result } as never) };
  }

  it("keeps no answer from an execution that began before an invalidation", () => {
    const cache = createListCache<object>({ rootFields: ["runs"], viewer: () => "", ttlMs: 60_000 });
    cache.enable();
    const racing = execute(cache);
    cache.invalidate(); // a write's notice arrives while the execution reads
    racing.done();
    expect(execute(cache).answered).toBe(false);
    // The same sequence with no invalidation in between is kept.
    execute(cache).done();
    expect(execute(cache).answered).toBe(true);
  });

  it("drops everything past maxKept answers, so ever new variables cannot fill the memory", () => {
    const cache = createListCache<object>({ rootFields: ["runs"], viewer: () => "", ttlMs: 60_000, maxKept: 2 });
    cache.enable();
    execute(cache, { page: 1 }).done();
    execute(cache, { page: 2 }).done();
    expect(execute(cache, { page: 1 }).answered).toBe(true);
    execute(cache, { page: 3 }).done();
    expect(execute(cache, { page: 1 }).answered).toBe(false);
    expect(execute(cache, { page: 3 }).answered).toBe(true);
  });

  it("lets an answer go once its time to live is over, though no one asks again", async () => {
    const cache = createListCache<object>({ rootFields: ["runs"], viewer: () => "", ttlMs: 50 });
    cache.enable();
    execute(cache, { page: 1 }).done();
    execute(cache, { page: 2 }).done();
    expect(cache.size()).toBe(2);
    await new Promise((r) => setTimeout(r, 120));
    expect(cache.size()).toBe(0);
  });

  it("keeps nothing until enabled", () => {
    const cache = createListCache<object>({ rootFields: ["runs"], viewer: () => "", ttlMs: 60_000 });
    execute(cache).done();
    expect(execute(cache).answered).toBe(false);
  });
});
