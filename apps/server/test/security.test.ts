// Access control and limits: a real API, a real database, real HTTP and WebSocket clients.
import { execFile } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { createDb } from "@trainql/db";
import { fileReadToken } from "@trainql/graphql/fileReadToken";
import { publishSweepChanged } from "@trainql/runs";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { collect, countRows, freshDatabase, gql, startApi, type TestServer, wsClient } from "./harness.ts";

const TOKEN = "s3cret-token";
/** A token of API_READ_TOKEN: reads and watches, changes nothing. */
const READER = "read-only-token";
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
  closed = await startApi(databaseUrl, {
    access: { tokens: ["other", TOKEN], readOnlyTokens: [READER], publicQueries: false },
  });
  open = await startApi(databaseUrl, { access: { tokens: [TOKEN], readOnlyTokens: [READER], publicQueries: true } });
  tightDatabaseUrl = await freshDatabase();
  tight = await startApi(tightDatabaseUrl, {
    limits: { maxQueuedRuns: 3, startRate: { perMinute: 2 }, maxSubscriptionsPerConnection: 2 },
  });
});

/** What a subscriber to runsChanged with `token` hears when a run is started (by a token that may). */
async function heardOfNextRun(token: string): Promise<string> {
  const events = collect<{ runsChanged: { kind: string } }>(
    wsClient(open.url, { authorization: `Bearer ${token}` }),
    `subscription { runsChanged { kind } }`,
    {},
    (e) => e.length > 0,
    20_000,
  );
  await new Promise((r) => setTimeout(r, 300));
  await gql(open.url, START, { input }, { authorization: `Bearer ${TOKEN}` });
  return (await events)[0]!.runsChanged.kind;
}

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

  it("keep each one's requestIds its own: the same key from another token queues that token's run", async () => {
    const start = (token: string) =>
      gql<{ startRun: { id: string } }>(
        closed.url,
        START,
        { input: { ...input, requestId: "shared-key" } },
        { authorization: `Bearer ${token}` },
      );
    const before = await runCount();
    const mine = await start(TOKEN);
    const theirs = await start("other");
    expect(theirs.data?.startRun.id).not.toBe(mine.data?.startRun.id);
    expect((await start(TOKEN)).data?.startRun.id).toBe(mine.data?.startRun.id);
    expect((await start("other")).data?.startRun.id).toBe(theirs.data?.startRun.id);
    expect(await runCount()).toBe(before + 2);
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
    expect(await heardOfNextRun(TOKEN)).toBe("created");
  });

  it("of API_READ_TOKEN read and watch, and their mutations are FORBIDDEN, changing nothing", async () => {
    const reader = { authorization: `Bearer ${READER}` };
    const before = await runCount();
    const refused = await gql(open.url, START, { input }, reader);
    expect(refused.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(refused.errors?.[0]?.message).toMatch(
      /^This token may only read and watch .*mutations need a token of API_TOKEN/,
    );
    expect(await runCount()).toBe(before);
    // Reads where queries need a token.
    const read = await gql(closed.url, `{ runs(first: 1) { edges { node { id } } } }`, {}, reader);
    expect(read.errors).toBeUndefined();
    // Watches live.
    expect(await heardOfNextRun(READER)).toBe("created");
    // Reads files, by itself or by its stand-in in a link.
    const { data } = await gql<{ runs: { edges: { node: { uuid: string } }[] } }>(
      closed.url,
      `{ runs(first: 1) { edges { node { uuid } } } }`,
      {},
      reader,
    );
    const file = (query: string) =>
      fetch(`${new URL(closed.url).origin}/runs/${data!.runs.edges[0]!.node.uuid}/export.csv${query}`);
    expect((await file("")).status).toBe(401);
    expect((await file(`?access_token=${READER}`)).status).toBe(200);
    expect((await file(`?read_token=${fileReadToken(READER)}`)).status).toBe(200);
  });

  it("hide where trainers run, read their data and look for libraries from callers without one, where queries are public", async () => {
    const db = createDb(databaseUrl, 1);
    await db.trainer.create({
      data: {
        id: "security-test-trainer",
        host: "gpu-box-7",
        pid: 4242,
        backend: "wasm",
        device: "CPU",
        backendVersion: "4.22.0",
        datasetDir: "/srv/secret/cifar-10",
        warnings: [
          "matrix products run in WebAssembly on one thread, because no BLAS library could be loaded (tried /srv/secret/lib/libopenblas.so)",
        ],
      },
    });
    await db.$disconnect();
    const TRAINERS = `{ trainers { id host pid dataset { directory howToGet } backend { warnings } } }`;
    const seen = async (headers: Record<string, string>) => {
      const { data, errors } = await gql<{ trainers: { id: string }[] }>(open.url, TRAINERS, {}, headers);
      expect(errors).toBeUndefined();
      return data!.trainers.find((t) => t.id === "security-test-trainer");
    };
    try {
      expect(await seen({})).toEqual({
        id: "security-test-trainer",
        host: null,
        pid: null,
        dataset: { directory: null, howToGet: null },
        backend: { warnings: null },
      });
      for (const token of [TOKEN, READER])
        expect(await seen({ authorization: `Bearer ${token}` })).toMatchObject({
          host: "gpu-box-7",
          pid: 4242,
          dataset: { directory: "/srv/secret/cifar-10", howToGet: expect.stringContaining("/srv/secret/cifar-10") },
          backend: { warnings: [expect.stringContaining("/srv/secret/lib/libopenblas.so")] },
        });
    } finally {
      // (Live for the lease's timeout: the memory checks of later tests would count it.)
      const cleanup = createDb(databaseUrl, 1);
      await cleanup.trainer.delete({ where: { id: "security-test-trainer" } });
      await cleanup.$disconnect();
    }
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
    // A read-only token alone would restrict nothing: the API asks for no token without API_TOKEN.
    const readOnlyAlone = (await main({ HOST: "127.0.0.1", API_READ_TOKEN: READER })) as {
      code: number;
      stderr: string;
    };
    expect(readOnlyAlone.code).toBe(2);
    expect(readOnlyAlone.stderr).toMatch(/API_READ_TOKEN is set without API_TOKEN/);
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
    const tooAliased = await gql(tight.url, `{ ${aliases} }`);
    expect(tooAliased.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(tooAliased.errors?.[0]?.message).toMatch(/Aliases limit of 20 exceeded/);
    const tokens = Array.from({ length: 3100 }, () => "__typename").join(" ");
    const tooLong = await gql(tight.url, `{ ${tokens} }`);
    expect(tooLong.errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED"); // the token limit applies while parsing
    expect(tooLong.errors?.[0]?.message).toMatch(/Token limit of 3000 exceeded/i);
    expect((await gql(tight.url, `{ runs(first: 1 { id }`)).errors?.[0]?.extensions?.code).toBe("GRAPHQL_PARSE_FAILED");
    expect((await gql(tight.url, `{ backend { name } }`)).errors).toBeUndefined();
  });

  it("refuse a list asked for within itself, and count a seed group's members and nodes' ids", async () => {
    // Each turn of group → runs multiplied the answer by up to 20: five turns, 3.2 M runs a group.
    let cycle = "id";
    for (let i = 0; i < 4; i++) cycle = `runs { group { ${cycle} } }`;
    const refused = await gql(tight.url, `{ runGroup(id: "${crypto.randomUUID()}") { ${cycle} } }`);
    expect(refused.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
    expect(refused.errors?.[0]?.message).toMatch(/^RunGroup\.runs is asked for within itself/);
    expect(refused.data).toBeUndefined();
    // Counted as 20 members, not one: a page of 500 runs with their groups' members is over the limit.
    const members = `{ runs(first: 500) { edges { node { group { runs { id status iteration bestValAcc } } } } } }`;
    expect((await gql(tight.url, members)).errors?.[0]?.message).toMatch(/Cost limit of 50000 exceeded/i);
    expect((await gql(tight.url, members.replace("first: 500", "first: 20"))).errors).toBeUndefined();
    // Each id a run's epochs and hyperparameters: 1,500 of them are over the limit, 100 are not.
    const nodes = (n: number) =>
      gql(
        tight.url,
        `{ nodes(ids: ${JSON.stringify(Array.from({ length: n }, () => crypto.randomUUID()))}) { id ... on Run {
          epochs { epoch iteration loss trainAcc valAcc learningRate elapsedMs }
          hyperparameters { hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed } } } }`,
      );
    expect((await nodes(1500)).errors?.[0]?.message).toMatch(/Cost limit of 50000 exceeded/i);
    // (Past the limit, it runs: these random ids are no node ids, which the API says.)
    expect((await nodes(100)).errors?.[0]?.message).toMatch(/must be an ID returned by this API/);
  });

  it("refuse a WebSocket over the connections one address may hold, and take one once another closes", async () => {
    const api = await startApi(tightDatabaseUrl, { limits: { maxConnectionsPerAddress: 3 } });
    const { default: WebSocket } = await import("ws");
    const connect = () =>
      new Promise<{ status: number; body: string; socket?: InstanceType<typeof WebSocket> }>((resolve) => {
        const ws = new WebSocket(api.url.replace(/^http/, "ws"), "graphql-transport-ws");
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (chunk) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.on("open", () => resolve({ status: 101, body: "", socket: ws }));
      });
    const held = [await connect(), await connect(), await connect()];
    expect(held.map((c) => c.status)).toEqual([101, 101, 101]);
    const refused = await connect();
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(/At most 3 WebSocket connections may be open at once from one address/);
    await new Promise((resolve) => {
      held[0]!.socket!.once("close", resolve);
      held[0]!.socket!.close();
    });
    await expect.poll(async () => (await connect()).status).toBe(101);
    for (const c of held) c.socket?.terminate();
  });

  it("cost a selection the same whether it is written inline or through fragments", async () => {
    // The dashboard's runs list: 200 runs, their fields through two nested fragments.
    const fields =
      "id uuid name status progress iteration createdAt startedAt finishedAt bestValAcc finalValAcc testAcc";
    const hyperparameters = "hiddenSize learningRate learningRateDecay reg batchSize numIters weightScale seed";
    const inline = `{ runs(first: 200) { edges { node { ${fields} hyperparameters { ${hyperparameters} } } } } }`;
    const fragments = `{ runs(first: 200) { edges { node { ...Summary } } } }
      fragment Summary on Run { ${fields} hyperparameters { ...Knobs } }
      fragment Knobs on Hyperparameters { ${hyperparameters} }`;
    expect((await gql(tight.url, inline)).errors).toBeUndefined();
    expect((await gql(tight.url, fragments)).errors).toBeUndefined();
  });

  it("cost a page by its size whether it is written out, passed as a variable, a variable's default, or left to the default", async () => {
    // Each alias: a page of runs with their losses and epochs (what a scraper would ask for).
    const page = (first: string) =>
      Array.from(
        { length: 20 },
        (_, i) =>
          `a${i}: runs${first} { edges { node { id epochs { epoch valAcc } lossHistory { iteration loss } } } }`,
      ).join(" ");
    const tooMuch = [
      [`{ ${page("(first: 500)")} }`, {}],
      [`query ($n: Int) { ${page("(first: $n)")} }`, { n: 500 }],
      [`query ($n: Int) { ${page("(last: $n)")} }`, { n: 500 }],
      // The operation's default, when the variable is not sent (it counted as the default page, 50).
      [`query ($n: Int = 500) { ${page("(first: $n)")} }`, {}],
    ] as const;
    for (const [query, variables] of tooMuch) {
      const refused = await gql(tight.url, query, variables);
      expect(refused.errors?.[0]?.extensions?.code, query).toBe("QUERY_TOO_COMPLEX");
      expect(refused.errors?.[0]?.message).toMatch(/Cost limit of 50000 exceeded/i);
    }
    // A small page passes, and so do the default pages, each counted as 50 runs.
    expect((await gql(tight.url, `query ($n: Int) { ${page("(first: $n)")} }`, { n: 5 })).errors).toBeUndefined();
    expect((await gql(tight.url, `{ ${page("")} }`)).errors).toBeUndefined();
    // A variable sent overrides its default.
    expect((await gql(tight.url, `query ($n: Int = 500) { ${page("(first: $n)")} }`, { n: 5 })).errors).toBeUndefined();
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

  it("refuses a chunked request body over the limit (no length to check first) with 413, and runs nothing of it", async () => {
    const before = await runCount(tightDatabaseUrl);
    const body = JSON.stringify({ query: START, variables: { input, pad: "x".repeat(200_000) } });
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < body.length; i += 16_384)
          controller.enqueue(new TextEncoder().encode(body.slice(i, i + 16_384)));
        controller.close();
      },
    });
    const res = await fetch(tight.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked,
      duplex: "half",
    } as RequestInit);
    // The same answer as a body whose length says it is too big (it once got a dropped connection).
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      errors: [
        {
          message: "The request body is over 100000 bytes; at most 100000 are accepted.",
          extensions: { code: "PAYLOAD_TOO_LARGE" },
        },
      ],
    });
    expect(await runCount(tightDatabaseUrl)).toBe(before);
    // (Not a startRun to show the server still serves: this server's rate limit is counted below.)
    expect((await gql(tight.url, "{ backend { name } }")).errors).toBeUndefined();
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

  it("rate-limits startRun, made-up tokens included, with clear errors and nothing written", async () => {
    const before = await runCount(tightDatabaseUrl);
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await gql(tight.url, START, { input });
      codes.push(String(result.errors?.[0]?.extensions?.code ?? "OK"));
    }
    expect(codes).toEqual(["OK", "OK", "RATE_LIMITED"]);
    // Where no tokens are configured any is accepted, and one made up per call had a rate of its own.
    for (const token of ["made-up-1", "made-up-2"]) {
      const madeUp = await gql(tight.url, START, { input }, { authorization: `Bearer ${token}` });
      expect(madeUp.errors?.[0]?.extensions?.code).toBe("RATE_LIMITED");
    }
    expect(await runCount(tightDatabaseUrl)).toBe(before + 2);
  });

  it("caps the queue under concurrent starts, in one API process and across two", async () => {
    // Each start counted the queue and then wrote its runs: side by side, all counted the same free room.
    const db = await freshDatabase();
    const limits = { maxQueuedRuns: 3, startRate: { perMinute: 1000 } };
    const apis = [await startApi(db, { limits }), await startApi(db, { limits })];
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => gql(apis[i % 2]!.url, START, { input: { ...input, seed: i } })),
    );
    const codes = results.map((r) => String(r.errors?.[0]?.extensions?.code ?? "OK")).sort();
    expect(codes).toEqual(["OK", "OK", "OK", ...Array(5).fill("QUEUE_FULL")]);
    expect(await runCount(db)).toBe(3);
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
      /this run needs about [\d.]+ MiB \(parameters .*, minibatch .*, activations .*\) on a wasm trainer, which allows 190\.7 MiB per run/,
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

    // A full-batch run at the widest net: a CPU backend steps in slices, holding a slice's activations
    // (~1.9 GiB in all), which a WebAssembly trainer's 3.5 GiB holds; WebGPU steps whole (~6.9 GiB).
    const fullBatch = { input: { hiddenSize: 8192, batchSize: 40_000, numIters: 10 } };
    const trainerBackend = async (backend: string) => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`UPDATE "Trainer" SET backend = $1, "memoryBytes" = $2 WHERE id = 'small'`, [
        backend,
        3.5 * 2 ** 30,
      ]);
      await c.end();
    };
    await trainerBackend("webgpu");
    const whole = await gql(open.url, START, fullBatch, { authorization: `Bearer ${TOKEN}` });
    expect(whole.errors?.[0]?.message).toMatch(
      /this run needs about 6\.\d+ GiB .* on a webgpu trainer, which allows 3\.50 GiB/,
    );
    await trainerBackend("wasm");
    const sliced = await gql(open.url, START, fullBatch, { authorization: `Bearer ${TOKEN}` });
    expect(sliced.errors).toBeUndefined();
    // In a fleet, one live trainer that can train it is enough (the queue sends it there): a WebGPU
    // trainer of 3.5 GiB beside a WebGPU trainer of 8 GiB.
    await trainerBackend("webgpu");
    const c2 = new pg.Client({ connectionString: databaseUrl });
    await c2.connect();
    await c2.query(
      `INSERT INTO "Trainer" (id, host, pid, backend, device, "backendVersion", "numTrain", "memoryBytes", "lastSeenAt")
       VALUES ('large', 'h', 2, 'webgpu', 'gpu', 'x', 40000, $1, now() + interval '1 hour')`,
      [8 * 2 ** 30],
    );
    expect((await gql(open.url, START, fullBatch, { authorization: `Bearer ${TOKEN}` })).errors).toBeUndefined();
    // Too big for both: the error names the nearest miss, the larger one.
    await c2.query(`UPDATE "Trainer" SET "memoryBytes" = $1 WHERE id = 'large'`, [5 * 2 ** 30]);
    expect((await gql(open.url, START, fullBatch, { authorization: `Bearer ${TOKEN}` })).errors?.[0]?.message).toMatch(
      /on a webgpu trainer, which allows 5\.00 GiB per run/,
    );
    await c2.query(`DELETE FROM "Trainer" WHERE id = 'large'`);
    await c2.end();
  });
});

describe("pages of other sites", () => {
  const EVIL = "http://evil.example";
  const MUTATION = "mutation { startRun(input: {hiddenSize: 8, numIters: 10, batchSize: 20}) { id } }";

  it("cannot start a run with a cross-site form post or text/plain body, and nothing is written", async () => {
    const before = await runCount(tightDatabaseUrl);
    for (const [type, body] of [
      ["application/x-www-form-urlencoded", new URLSearchParams({ query: MUTATION }).toString()],
      ["text/plain", JSON.stringify({ query: MUTATION })],
      [
        "multipart/form-data; boundary=x",
        `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${MUTATION}\r\n--x--`,
      ],
    ] as const) {
      // As a browser sends it from another site (with its Origin), and as a same-machine page would without one.
      for (const origin of [{ origin: EVIL }, {}] as Record<string, string>[]) {
        const headers: Record<string, string> = { "content-type": type, ...origin };
        const res = await fetch(tight.url, { method: "POST", headers, body });
        expect(res.status).toBeGreaterThanOrEqual(400);
        const text = await res.text();
        expect(text).toMatch(
          "origin" in origin ? /not allowed\. Add it to TRAINQL_ALLOWED_ORIGINS/ : /Send operations as JSON/,
        );
      }
    }
    expect(await runCount(tightDatabaseUrl)).toBe(before);
  });

  it("get no CORS grant and no answer to a JSON fetch, while the dashboard's origin does", async () => {
    const preflight = (origin: string) =>
      fetch(tight.url, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
    const evil = await preflight(EVIL);
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    const dashboard = await preflight("http://localhost:3000");
    expect(dashboard.headers.get("access-control-allow-origin")).toBe("http://localhost:3000");

    const before = await runCount(tightDatabaseUrl);
    const res = await fetch(tight.url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: EVIL },
      body: JSON.stringify({ query: MUTATION }),
    });
    expect(res.status).toBe(403);
    expect((await res.json()).errors[0].extensions.code).toBe("FORBIDDEN_ORIGIN");
    expect(await runCount(tightDatabaseUrl)).toBe(before);
    // GraphiQL, served by the API itself on loopback, is its own origin.
    const own = new URL(tight.url).origin;
    const graphiql = await fetch(tight.url, {
      method: "POST",
      headers: { "content-type": "application/json", origin: own },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(graphiql.status).toBe(200);
  });

  it("cannot open a WebSocket to the API (CORS never covers those)", async () => {
    const { default: WebSocket } = await import("ws");
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(tight.url.replace(/^http/, "ws"), "graphql-transport-ws", { origin: EVIL });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
    });
    expect(refused).toBe(403);
    const allowed = await new Promise<number>((resolve) => {
      const ws = new WebSocket(tight.url.replace(/^http/, "ws"), "graphql-transport-ws", {
        origin: "http://127.0.0.1:3000",
      });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => {
        ws.close();
        resolve(101);
      });
    });
    expect(allowed).toBe(101);
  });
});

describe("a page at another name that resolves to this machine (DNS rebinding)", () => {
  /** A GET as the rebound page's browser sends it: to this API's address, with that name as Host, no Origin. */
  const getAs = (url: string, host: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.get(url, { headers: { host } }, (res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
    });

  it("reads nothing: no query, download, image or WebSocket answers a Host that is not loopback's", async () => {
    const db = createDb(tightDatabaseUrl, 1);
    const run = await db.run.create({
      data: { ...input, learningRate: 0.1, learningRateDecay: 0.95, reg: 0, weightScale: 1e-4, seed: 1 },
    });
    await db.$disconnect();
    const port = new URL(tight.url).port;
    const paths = [
      `/graphql?query=${encodeURIComponent("{ runs { edges { node { id } } } }")}`,
      `/runs/${run.id}/losses.csv`,
      `/runs/${run.id}/weights.png`,
    ];
    for (const path of paths) {
      const rebound = await getAs(`http://127.0.0.1:${port}${path}`, `evil.example:${port}`);
      expect(rebound.status, path).toBe(403);
      const { errors } = JSON.parse(rebound.body) as { errors: { message: string; extensions: { code: string } }[] };
      expect(errors[0]?.extensions.code).toBe("FORBIDDEN_HOST");
      expect(errors[0]?.message).toMatch(
        /addressed to "evil\.example:\d+"\. To reach it by that name, add it to TRAINQL_ALLOWED_HOSTS/,
      );
      expect(rebound.body).not.toContain(run.id);
      // The same request by a loopback name is answered.
      expect((await getAs(`http://127.0.0.1:${port}${path}`, `localhost:${port}`)).status, path).not.toBe(403);
    }
    const { default: WebSocket } = await import("ws");
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(tight.url.replace(/^http/, "ws"), "graphql-transport-ws", {
        headers: { host: `evil.example:${port}` },
      });
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
    });
    expect(status).toBe(403);
  });

  it("answers a name the operator allowed (TRAINQL_ALLOWED_HOSTS), and any name where it listens beyond loopback", async () => {
    for (const allowedHosts of [["trainql.internal"], "any"] as const) {
      const api = await startApi(tightDatabaseUrl, { origins: { allowedOrigins: [], allowedHosts } });
      const port = new URL(api.url).port;
      const answer = await getAs(
        `${api.url}?query=${encodeURIComponent("{ __typename }")}`,
        `trainql.internal:${port}`,
      );
      expect(answer).toEqual({ status: 200, body: expect.stringContaining('"__typename":"Query"') });
      const other = await getAs(`${api.url}?query=${encodeURIComponent("{ __typename }")}`, `other.example:${port}`);
      expect(other.status).toBe(allowedHosts === "any" ? 200 : 403);
    }
  });
});

describe("the start rate", () => {
  it("accepts exactly START_RUNS_PER_MINUTE starts in a minute, as the README says, then says when to retry", async () => {
    const db = await freshDatabase();
    const api = await startApi(db, { limits: { startRate: { perMinute: 12 } } });
    const codes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const result = await gql(api.url, START, { input });
      codes.push((result.errors?.[0]?.extensions?.code as string) ?? "OK");
      if (result.errors) expect(result.errors[0]?.message).toMatch(/Too many runs started: try again in \d+ s/);
    }
    expect(codes.filter((c) => c === "OK")).toHaveLength(12);
    expect(codes.slice(12).every((c) => c === "RATE_LIMITED")).toBe(true);
    expect(await runCount(db)).toBe(12);
  });

  it("is per token, while the queue's cap is for all callers", async () => {
    const db = await freshDatabase();
    const api = await startApi(db, {
      limits: { maxQueuedRuns: 3, startRate: { perMinute: 2 } },
      access: { tokens: ["alice", "bob"], publicQueries: true },
    });
    const start = async (token: string) =>
      (await gql(api.url, START, { input }, { authorization: `Bearer ${token}` })).errors?.[0] ?? "OK";
    expect([await start("alice"), await start("alice")]).toEqual(["OK", "OK"]);
    expect(await start("alice")).toMatchObject({ extensions: { code: "RATE_LIMITED" } });
    // Bob has a rate of his own, but the queue holds at most 3 (no trainer takes them here).
    expect(await start("bob")).toBe("OK");
    expect(await start("bob")).toMatchObject({
      extensions: { code: "QUEUE_FULL" },
      message: expect.stringMatching(/The queue is full: 3 runs are waiting and this would add 1; at most 3 may wait/),
    });
    expect(await runCount(db)).toBe(3);
  });
  it("leaves each token a share of the queue (MAX_QUEUED_RUNS_PER_TOKEN), so one cannot fill it", async () => {
    const db = await freshDatabase();
    const api = await startApi(db, {
      limits: { maxQueuedRuns: 10, maxQueuedRunsPerToken: 2 },
      access: { tokens: ["alice", "bob"], publicQueries: true },
    });
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const start = async (token: string, extra = {}) =>
      (await gql(api.url, START, { input: { ...input, ...extra } }, as(token))).errors?.[0] ?? "OK";
    expect([await start("alice"), await start("alice")]).toEqual(["OK", "OK"]);
    const refused = {
      extensions: { code: "QUEUE_FULL" },
      message: expect.stringMatching(
        /^This token's share of the queue is full: 2 of its runs are waiting and this would add 1; one token may have at most 2 waiting \(MAX_QUEUED_RUNS_PER_TOKEN\)/,
      ),
    };
    expect(await start("alice")).toMatchObject(refused);
    // Every way of queueing counts: a sweep too.
    const sweep = await gql(
      api.url,
      `mutation { startSweep(input: { space: { learningRates: [0.1], hiddenSizes: [8], regs: [0] }, strategy: GRID, numIters: 10, batchSize: 20 }) { id } }`,
      {},
      as("alice"),
    );
    expect(sweep.errors?.[0]?.extensions?.code).toBe("QUEUE_FULL");
    // Bob's share is his own.
    expect(await start("bob", { seeds: [1, 2] })).toBe("OK");
    expect(await runCount(db)).toBe(4);
    // The database knows whose runs they are by a fingerprint, never the token.
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    const { rows } = await c.query<{ queuedBy: string; n: number }>(
      `SELECT "queuedBy", count(*)::int AS n FROM "Run" GROUP BY 1 ORDER BY 1`,
    );
    await c.end();
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
    for (const { queuedBy } of rows) expect(["alice", "bob"]).not.toContain(queuedBy);
  });
  it("is not spent by starts the queue refused", async () => {
    const db = await freshDatabase();
    const api = await startApi(db, { limits: { maxQueuedRuns: 1, startRate: { perMinute: 2 } } });
    const code = async () => (await gql(api.url, START, { input })).errors?.[0]?.extensions?.code ?? "OK";
    expect(await code()).toBe("OK");
    // A script waiting out a full queue, trying again and again.
    expect([await code(), await code(), await code()]).toEqual(["QUEUE_FULL", "QUEUE_FULL", "QUEUE_FULL"]);
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    await client.query(`UPDATE "Run" SET status = 'CANCELLED'`); // (the queue drained)
    await client.end();
    expect(await code()).toBe("OK");
    expect(await code()).toBe("RATE_LIMITED");
  });
});

describe("loss histories", () => {
  it("one request reads at most maxLossHistories of them and maxLossPoints points, refused with how to ask", async () => {
    const db = await freshDatabase();
    const api = await startApi(db, { limits: { maxLossHistories: 2, maxLossPoints: 1000 } });
    const c = new pg.Client({ connectionString: db });
    await c.connect();
    const { rows } = await c.query(
      `INSERT INTO "Sweep" (id, status, strategy, config) VALUES (gen_random_uuid(), 'RUNNING', 'GRID', '{}') RETURNING id::text`,
    );
    const sweepId = rows[0].id as string;
    for (let seed = 0; seed < 3; seed++)
      await c.query(
        `INSERT INTO "Run" (id, status, "hiddenSize", "learningRate", "learningRateDecay", reg, "batchSize", "numIters", "weightScale", seed, "sweepId")
         VALUES (gen_random_uuid(), 'QUEUED', 8, 0.1, 0.95, 0, 20, 40, 1e-4, $1, $2)`,
        [seed, seed < 2 ? sweepId : null],
      );
    await c.end();
    const histories = (first: number, maxPoints: number) =>
      gql(api.url, `{ runs(first: ${first}) { edges { node { lossHistory(maxPoints: ${maxPoints}) { loss } } } } }`);
    expect((await histories(2, 500)).errors).toBeUndefined();
    for (const [first, maxPoints] of [
      [3, 10], // three histories
      [2, 600], // 1,200 points
    ] as const) {
      const refused = await histories(first, maxPoints);
      expect(refused.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COMPLEX");
      expect(refused.errors?.[0]?.message).toMatch(
        /at most 2 lossHistory fields and 1,000 points in all \(the sum of their maxPoints\)\. Ask for fewer runs/,
      );
    }
    // A subscription executes again for each event, under its one context: each event has a budget of
    // its own (two trials' histories an event; three events would be six).
    const events = collect(
      wsClient(api.url),
      `subscription ($id: ID!) { sweepEvents(sweepId: $id) { sweep { trials { lossHistory(maxPoints: 10) { loss } } } } }`,
      { id: sweepId },
      (e) => e.length === 3,
      30_000,
    );
    const prisma = createDb(db, 1);
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await publishSweepChanged(prisma, sweepId);
    }
    await prisma.$disconnect();
    const delivered = (await events) as { sweepEvents: { sweep: { trials: unknown[] } } }[];
    expect(delivered.map((e) => e.sweepEvents.sweep.trials.length)).toEqual([2, 2, 2]);
  });
});
