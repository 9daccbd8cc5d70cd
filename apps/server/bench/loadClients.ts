// The two kinds of load of `pnpm bench:api`, each run in a process of its own (as the issue asks) so
// that neither the subscribers' sockets nor the query loop slow the other down or share a CPU with
// the API: `tsx bench/loadClients.ts subscribers …` or `… queries …`. They talk to apiLoad.ts over
// the IPC channel: "ready" once every subscriber has the run's QUEUED status, "done" with what was
// measured.

import { parseArgs } from "node:util";
import { graphql, type ResultOf, type VariablesOf } from "@trainql/graphql";
import { print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export const RUN_EVENTS = graphql(`
  subscription RunEvents($id: ID!) {
    runEvents(runId: $id) { __typename ... on RunStatusEvent { status } ... on RunEpochEvent { epoch { epoch recordedAt } } }
  }
`);
export const RUNS = graphql(`query Runs { runs(first: 20) { edges { node { id status progress bestValAcc } } } }`);

/** What a subscribers process reports. */
export interface SubscriberReport {
  type: "done";
  /** Distinct epochs received, summed over subscribers. */
  delivered: number;
  /** Epochs a subscriber received more than once, summed over subscribers. */
  duplicates: number;
  latencies: number[];
  /** Per epoch, the latency of the first and of the last subscriber to receive it (ms). */
  epochs: { epoch: number; first: number; last: number }[];
  firstEventAt: number;
  lastEventAt: number;
}
export interface QueryReport {
  type: "done";
  latencies: number[];
  errors: number;
}
export type ParentMessage = { type: "stop" };

/** Sends a message to apiLoad.ts; resolves once it is written (a large one takes a while). */
const send = (message: unknown) =>
  new Promise<void>((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

async function subscribers(api: string, runId: string, count: number): Promise<void> {
  const received: Map<number, number>[] = [];
  const latencies: number[] = [];
  const spread = new Map<number, { first: number; last: number }>();
  const clients: Client[] = [];
  let ready = 0;
  let done = 0;
  let firstEventAt = 0;
  let lastEventAt = 0;
  const finished = new Promise<void>((resolve) => {
    process.on("message", (m: ParentMessage) => m.type === "stop" && resolve());
    for (let i = 0; i < count; i++) {
      const seen = new Map<number, number>();
      received.push(seen);
      const client = createClient({ url: api.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      client.subscribe<ResultOf<typeof RUN_EVENTS>>(
        { query: print(RUN_EVENTS), variables: { id: runId } satisfies VariablesOf<typeof RUN_EVENTS> },
        {
          next: ({ data }) => {
            const e = data?.runEvents;
            if (e?.__typename === "RunStatusEvent" && e.status === "QUEUED" && ++ready === count)
              send({ type: "ready" });
            if (e?.__typename === "RunEpochEvent") {
              const now = Date.now();
              firstEventAt ||= now;
              lastEventAt = now;
              seen.set(e.epoch.epoch, (seen.get(e.epoch.epoch) ?? 0) + 1);
              const latency = now - Date.parse(e.epoch.recordedAt);
              latencies.push(latency);
              const seenBy = spread.get(e.epoch.epoch);
              if (seenBy) seenBy.last = latency;
              else spread.set(e.epoch.epoch, { first: latency, last: latency });
            }
            if (e?.__typename === "RunStatusEvent" && (e.status === "SUCCEEDED" || e.status === "FAILED")) {
              if (++done === count) resolve();
            }
          },
          error: (error) => console.error("subscriber error:", error),
          complete: () => {},
        },
      );
    }
  });
  await finished;
  await send({
    type: "done",
    delivered: received.reduce((n, seen) => n + seen.size, 0),
    duplicates: received.reduce((n, seen) => n + [...seen.values()].filter((c) => c > 1).length, 0),
    latencies,
    epochs: [...spread].map(([epoch, { first, last }]) => ({ epoch, first, last })),
    firstEventAt,
    lastEventAt,
  } satisfies SubscriberReport);
  await Promise.all(clients.map((c) => c.dispose()));
}

/** `qps` runs queries a second, each on its own, until told to stop. */
async function queries(api: string, qps: number): Promise<void> {
  const latencies: number[] = [];
  let errors = 0;
  let stop = false;
  process.on("message", (m: ParentMessage) => {
    if (m.type === "stop") stop = true;
  });
  const body = JSON.stringify({ query: print(RUNS) });
  const interval = 1000 / qps;
  const inFlight = new Set<Promise<void>>();
  for (let next = performance.now(); !stop; next += interval) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    const p = fetch(api, { method: "POST", headers: { "content-type": "application/json" }, body })
      .then(async (res) => {
        const json = (await res.json()) as { data?: unknown; errors?: unknown[] };
        if (!json.data) throw new Error(JSON.stringify(json.errors));
        latencies.push(performance.now() - t);
      })
      .catch((error: unknown) => {
        if (errors++ === 0)
          console.error(`first query error: ${(error as Error).message}`, (error as Error).cause ?? "");
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  await send({ type: "done", latencies, errors } satisfies QueryReport);
}

if (process.send) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { api: { type: "string" }, run: { type: "string" }, count: { type: "string" }, qps: { type: "string" } },
  });
  const api = values.api ?? "";
  if (positionals[0] === "subscribers") await subscribers(api, values.run ?? "", Number(values.count));
  else await queries(api, Number(values.qps));
  if (process.connected) process.disconnect();
}
