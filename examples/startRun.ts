// A TrainQL client in ~60 lines: start a run with a plain fetch, then follow it over graphql-ws.
//   pnpm --filter @trainql/examples start-run -- --hidden 128 --iters 1000 --lr 0.5 --reg 1e-4
// API at $TRAINQL_API (default http://127.0.0.1:4000/graphql).
import { parseArgs } from "node:util";
import { graphql, print, type ResultOf, type VariablesOf } from "@trainql/graphql";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const api = process.env.TRAINQL_API ?? "http://127.0.0.1:4000/graphql";
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== "--"),
  options: {
    hidden: { type: "string" },
    iters: { type: "string" },
    lr: { type: "string" },
    reg: { type: "string" },
    batch: { type: "string" },
  },
});
const input = Object.fromEntries(
  Object.entries({
    hiddenSize: values.hidden,
    numIters: values.iters,
    learningRate: values.lr,
    reg: values.reg,
    batchSize: values.batch,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, Number(v)]),
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

const response = await fetch(api, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query: print(START_RUN), variables: { input } satisfies VariablesOf<typeof START_RUN> }),
});
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
