// Access control and limits: a real API, a real database, real HTTP and WebSocket clients.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, countRows, freshDatabase, gql, startApi, type TestServer, wsClient } from "./harness.ts";

const TOKEN = "s3cret-token";
let databaseUrl: string;
let closed: TestServer; // queries need a token too
let open: TestServer; // tokens for mutations and subscriptions; queries public
let tight: TestServer; // no tokens; small queue and rate limits; a database of its own
let tightDatabaseUrl: string;

const START = `mutation ($input: StartRunInput!) { startRun(input: $input) { id } }`;
const input = { hiddenSize: 8, numIters: 10, batchSize: 20 };

const runCount = (url = databaseUrl) => countRows(url, "Run");

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  closed = await startApi(databaseUrl, { access: { tokens: ["other", TOKEN], publicQueries: false } });
  open = await startApi(databaseUrl, { access: { tokens: [TOKEN], publicQueries: true } });
  tightDatabaseUrl = await freshDatabase();
  tight = await startApi(tightDatabaseUrl, {
    limits: { maxQueuedRuns: 3, startRate: { perMinute: 2 }, maxSubscriptionsPerConnection: 2 },
  });
});

describe("API tokens", () => {
  it("refuse a mutation without a token, or with a wrong one, with UNAUTHENTICATED, and write nothing", async () => {
    const before = await runCount();
    for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: TOKEN }] as Record<
      string,
      string
    >[]) {
      const result = await gql(open.url, START, { input }, headers);
      expect(result.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
      expect(result.errors?.[0]?.message).toMatch(/needs an API token: send `Authorization: Bearer <token>`/);
    }
    expect(await runCount()).toBe(before);
    const ok = await gql(open.url, START, { input }, { authorization: `Bearer ${TOKEN}` });
    expect(ok.errors).toBeUndefined();
    expect(await runCount()).toBe(before + 1);
  });

  it("leave queries open or closed by the setting", async () => {
    expect((await gql(open.url, `{ runs(first: 1) { edges { node { id } } } }`)).errors).toBeUndefined();
    const refused = await gql(closed.url, `{ runs(first: 1) { edges { node { id } } } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(
      (await gql(closed.url, `{ runs(first: 1) { edges { node { id } } } }`, {}, { authorization: `Bearer ${TOKEN}` }))
        .errors,
    ).toBeUndefined();
  });

  it("guard subscriptions over WebSocket through connectionParams", async () => {
    const anonymous = collect(wsClient(open.url), `subscription { runsChanged { runId } }`, {}, () => true, 10_000);
    await expect(anonymous).rejects.toThrow(/UNAUTHENTICATED/);
    const client = wsClient(open.url, { authorization: `Bearer ${TOKEN}` });
    const events = collect<{ runsChanged: { kind: string } }>(
      client,
      `subscription { runsChanged { kind } }`,
      {},
      (e) => e.length > 0,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 300));
    await gql(open.url, START, { input }, { authorization: `Bearer ${TOKEN}` });
    expect((await events)[0]!.runsChanged.kind).toBe("created");
  });

  it("are required by the API process to listen beyond loopback, unless loudly waived", async () => {
    const run = promisify(execFile);
    const main = (env: Record<string, string>) =>
      run(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: path.resolve(import.meta.dirname, ".."),
        env: { ...process.env, DATABASE_URL: databaseUrl, HOST: "0.0.0.0", PORT: "0", ...env },
        timeout: 15_000,
      }).catch((e: { code: number; stderr: string }) => e);
    const refused = (await main({})) as { code: number; stderr: string };
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/Refusing to listen on 0\.0\.0\.0 without API_TOKEN/);
  });
});

describe("limits", () => {
  it("reject too deep, too aliased and too long queries with a clear error, and stay up", async () => {
    const deep = `{ runs { edges { node { epochs { epoch } hyperparameters { seed } } } } ${"".padEnd(0)} }`;
    expect((await gql(tight.url, deep)).errors).toBeUndefined();
    let nested = "id";
    for (let i = 0; i < 14; i++) nested = `node(id: "x") { ... on Run { ${nested} } }`;
    const tooDeep = await gql(tight.url, `{ ${nested} }`);
    expect(tooDeep.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(tooDeep.errors?.[0]?.message).toMatch(/(Depth|Cost) limit of \d+ exceeded/i);
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: backend { name }`).join(" ");
    expect((await gql(tight.url, `{ ${aliases} }`)).errors?.[0]?.message).toMatch(/Aliases limit of 20 exceeded/);
    const tokens = Array.from({ length: 3100 }, () => "__typename").join(" ");
    const tooLong = await gql(tight.url, `{ ${tokens} }`);
    expect(tooLong.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED"); // the token limit applies while parsing
    expect(tooLong.errors?.[0]?.message).toMatch(/Token limit of 3000 exceeded/i);
    expect((await gql(tight.url, `{ runs(first: 1 { id }`)).errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect((await gql(tight.url, `{ backend { name } }`)).errors).toBeUndefined();
  });

  it("refuses a request body over the limit", async () => {
    const res = await fetch(tight.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ backend { name } }", variables: { pad: "x".repeat(200_000) } }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("caps the operations on one WebSocket connection", async () => {
    const client = wsClient(tight.url);
    const keep = [0, 1].map(() =>
      collect(client, `subscription { runsChanged { runId } }`, {}, () => false, 3000).catch(() => []),
    );
    await new Promise((r) => setTimeout(r, 300));
    await expect(collect(client, `subscription { runsChanged { runId } }`, {}, () => true, 5000)).rejects.toThrow(
      /TOO_MANY_SUBSCRIPTIONS/,
    );
    await Promise.all(keep);
  });

  it("rate-limits startRun per caller and caps the queue, with clear errors and nothing written", async () => {
    const before = await runCount(tightDatabaseUrl);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await gql(tight.url, START, { input });
      codes.push(String(result.errors?.[0]?.extensions?.code ?? "OK"));
    }
    expect(codes).toEqual(["OK", "OK", "RATE_LIMITED"]);
    expect(await runCount(tightDatabaseUrl)).toBe(before + 2);
    // Another caller has its own rate, but the queue holds at most 3 (no trainer takes them here).
    const other = { authorization: "Bearer someone-else" };
    expect((await gql(tight.url, START, { input }, other)).errors).toBeUndefined();
    const full = await gql(tight.url, START, { input }, other);
    expect(full.errors?.[0]?.extensions?.code).toBe("QUEUE_FULL");
    expect(full.errors?.[0]?.message).toMatch(
      /The queue is full: 3 runs are waiting and this would add 1; at most 3 may wait/,
    );
    expect(await runCount(tightDatabaseUrl)).toBe(before + 3);
  });

  it("refuses up front a run that would not fit a trainer's memory, with the estimate", async () => {
    const c = new pg.Client({ connectionString: databaseUrl });
    await c.connect();
    await c.query(
      `INSERT INTO "Trainer" (id, host, pid, backend, device, "backendVersion", "numTrain", "memoryBytes", "lastSeenAt")
       VALUES ('small', 'h', 1, 'wasm', 'cpu', 'x', 40000, 200000000, now() + interval '1 hour')`,
    );
    await c.end();
    const result = await gql(
      open.url,
      START,
      { input: { hiddenSize: 8192, batchSize: 5000, numIters: 10 } },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.hiddenSize" });
    expect(result.errors?.[0]?.message).toMatch(
      /this run needs about [\d.]+ GiB \(parameters .*, minibatch .*, activations .*\) but a trainer allows 190\.7 MiB per run/,
    );
    // A sweep is checked with its largest trial.
    const sweep = await gql(
      open.url,
      `mutation ($input: StartSweepInput!) { startSweep(input: $input) { id } }`,
      {
        input: {
          space: { learningRates: [0.1], hiddenSizes: [8, 8192], regs: [0] },
          strategy: "GRID",
          batchSize: 5000,
          numIters: 10,
        },
      },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(sweep.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.space.hiddenSizes" });
    expect(sweep.errors?.[0]?.message).toMatch(/this run needs about/);
  });
});
