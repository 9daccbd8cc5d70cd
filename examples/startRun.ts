// A TrainQL client in ~130 lines: start a run with a plain fetch (retried safely), then follow it over graphql-ws.
//   pnpm --filter @trainql/examples start-run -- --hidden 128 --iters 1000 --lr 0.5 --reg 1e-4 [--batch N] [--seed N]
// API at $TRAINQL_API (default http://127.0.0.1:4000/graphql); $TRAINQL_API_TOKEN, one of its
// API_TOKEN, where it has them.
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { graphql, print, type ResultOf, type VariablesOf } from "@trainql/graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const api = process.env.TRAINQL_API ?? "http://127.0.0.1:4000/graphql";
const token = process.env.TRAINQL_API_TOKEN;
const authorization: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};

/** Stops with `message` (exit 2: the command line was wrong). */
function usage(message: string): never {
  console.error(`${message}\nusage: start-run -- [--hidden N] [--iters N] [--lr X] [--reg X] [--batch N] [--seed N]`);
  process.exit(2);
}

const FLAGS = {
  hidden: "hiddenSize",
  iters: "numIters",
  lr: "learningRate",
  reg: "reg",
  batch: "batchSize",
  seed: "seed",
};
let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== "--"),
    options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: "string" }])) as {
      [flag in keyof typeof FLAGS]: { type: "string" };
    },
  }));
} catch (error) {
  usage((error as Error).message);
}
// The API checks the values' ranges and names the field; a number is checked here: JSON has no NaN,
// and "abc" went out as null, which the API takes as "not given" (the default).
const input = Object.fromEntries(
  Object.entries(FLAGS).flatMap(([flag, field]) => {
    const text = values[flag];
    if (text === undefined) return [];
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) usage(`--${flag} must be a number; got "${text}"`);
    return [[field, n]];
  }),
);

// Documents typed from the API's schema (gql.tada): ResultOf gives what the server answers.
const START_RUN = graphql(`
  mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id status hyperparameters { hiddenSize numIters } } }
`);
const RUN_EVENTS = graphql(`
  subscription RunEvents($runId: ID!, $after: String) {
    runEvents(runId: $runId, after: $after) {
      __typename cursor
      ... on RunStatusEvent { status }
      ... on RunEpochEvent { epoch { epoch iteration loss trainAcc valAcc } }
    }
  }
`);

// Sent again after a lost answer or a 503 (DATABASE_UNAVAILABLE), with the same requestId: if the
// first one was queued after all, the API answers with its run rather than queue a second.
const variables = { input: { ...input, requestId: randomUUID() } } satisfies VariablesOf<typeof START_RUN>;
let response: Response;
for (let attempt = 1; ; attempt++) {
  const sent = await fetch(api, {
    method: "POST",
    headers: { "content-type": "application/json", ...authorization },
    body: JSON.stringify({ query: print(START_RUN), variables }),
  }).catch((error: Error) => error);
  if (sent instanceof Response && sent.status !== 503) {
    response = sent;
    break;
  }
  if (attempt === 3) {
    console.error(
      sent instanceof Response
        ? `the API at ${api} answered 503 three times: its database is out of reach`
        : `cannot reach the API at ${api} (${sent.message}): is it running (pnpm start)? Set TRAINQL_API to its URL.`,
    );
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
const { data, errors } = (await response.json()) as {
  data?: ResultOf<typeof START_RUN>;
  errors?: { message: string }[];
};
if (errors?.length || !data) {
  console.error(`startRun failed: ${errors?.map((e) => e.message).join("; ")}`);
  process.exit(1);
}
console.log(`run ${data.startRun.id}: ${data.startRun.status}`);

// Reconnects for as long as it takes (an API restart, say). graphql-ws subscribes again with the same
// request object, so keeping the last event's cursor in its variables resumes exactly after it.
const client = createClient({
  url: api.replace(/^http/, "ws"),
  webSocketImpl: WebSocket,
  connectionParams: authorization,
  retryAttempts: Number.POSITIVE_INFINITY,
  shouldRetry: () => true,
  retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(2000, 200 * 2 ** retries))),
  on: { closed: () => done || console.error("connection lost; reconnecting…") },
});
let done = false;
const request = {
  query: print(RUN_EVENTS),
  variables: { runId: data.startRun.id, after: null } as VariablesOf<typeof RUN_EVENTS>,
};
const events = client.iterate<ResultOf<typeof RUN_EVENTS>>(request);
// The stream ends by itself after the run's final status.
for await (const { data: event } of events) {
  const e = event?.runEvents;
  if (e) request.variables.after = e.cursor;
  if (e?.__typename === "RunEpochEvent") {
    const { epoch, iteration, loss, trainAcc, valAcc } = e.epoch;
    console.log(
      `epoch ${epoch} (it ${iteration}): loss ${loss.toFixed(4)}, train ${(trainAcc * 100).toFixed(1)}%, val ${(valAcc * 100).toFixed(1)}%`,
    );
  }
  if (e?.__typename === "RunStatusEvent") console.log(`status: ${e.status}`);
}
done = true;
await client.dispose();
