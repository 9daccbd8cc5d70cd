// The pubsub over LISTEN/NOTIFY, against a real PostgreSQL: what is committed after listen()
// resolves arrives; a dropped connection is replaced and its listeners told to re-read.
import { createTestDatabase, testPostgres } from "@trainql/db/testing";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { RESYNC } from "../src/events/postgresEventTarget.ts";
import { createRunPubSub, type RunPubSub } from "../src/events/runPubSub.ts";

let url: string;
let pubsub: RunPubSub;
const teardown: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const server = await testPostgres();
  const database = await createTestDatabase(server.url, { migrated: false });
  teardown.push(database.drop, server.stop);
  url = database.url;
  pubsub = createRunPubSub(url);
  teardown.unshift(() => pubsub.close());
});
afterAll(async () => {
  for (const fn of teardown) await fn();
});

async function sql(query: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(query, values);
  } finally {
    await client.end();
  }
}

it("delivers what another process commits once listen() has resolved, and only that topic", async () => {
  const runId = "5b0c7a2e-1111-4b5e-9a3c-2f1d0e9c8b7a";
  const events = await pubsub.listen("trainql:run", runId);
  await sql("SELECT pg_notify($1, $2)", [
    "trainql:run:other",
    JSON.stringify({ type: "test", runId: "x", testAcc: 1 }),
  ]);
  await sql("SELECT pg_notify($1, $2)", [
    `trainql:run:${runId}`,
    JSON.stringify({ type: "test", runId, testAcc: 0.5 }),
  ]);
  expect((await events.next()).value).toEqual({ type: "test", runId, testAcc: 0.5 });
  await events.return(undefined);
});

it("replaces a dropped connection, tells listeners to re-read, and delivers again", async () => {
  const changes = await pubsub.listen("trainql:runs");
  await sql(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`,
  );
  expect((await changes.next()).value).toEqual(RESYNC);
  await sql("SELECT pg_notify($1, $2)", ["trainql:runs", JSON.stringify({ runId: "r", kind: "created" })]);
  expect((await changes.next()).value).toEqual({ runId: "r", kind: "created" });
  await changes.return(undefined);
});

it("publishes to every process's subscribers", async () => {
  const other = createRunPubSub(url);
  teardown.unshift(() => other.close());
  const requests = await other.listen("trainql:cancel");
  pubsub.publish("trainql:cancel", { runId: "r1" });
  expect((await requests.next()).value).toEqual({ runId: "r1" });
  await requests.return(undefined);
});

it("listens and publishes on many topics at once, one query at a time on its connection", async () => {
  // pg warns (and pg 9 fails) when a query is sent while another is running on the same client.
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.message);
  process.on("warning", onWarning);
  try {
    const other = createRunPubSub(url);
    teardown.unshift(() => other.close());
    const ids = ["c1", "c2", "c3", "c4"];
    const streams = await Promise.all(ids.map((id) => other.listen("trainql:run", id)));
    for (const runId of ids) other.publish("trainql:run", runId, { type: "test", runId, testAcc: 0.25 });
    for (const [i, stream] of streams.entries()) {
      expect((await stream.next()).value).toEqual({ type: "test", runId: ids[i], testAcc: 0.25 });
      await stream.return(undefined);
    }
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    expect(warnings.filter((message) => message.includes("client.query()"))).toEqual([]);
  } finally {
    process.off("warning", onWarning);
  }
});
