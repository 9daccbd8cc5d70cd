// Shared fan-out of runEvents (issue 15): subscribers of one run with the same document and
// variables cause one GraphQL execution per event, and each still gets every event exactly once,
// in order; a subscriber joining late gets the stored events first, then the shared live ones.
import { graphql } from "@trainql/graphql";
import { beforeAll, describe, expect, it } from "vitest";
import {
  collect,
  eventOf,
  freshDatabase,
  gqlOk,
  isTerminal,
  RUN_EVENTS,
  type RunEventData,
  startApi,
  startTrainer,
  type TestServer,
  tinyDataset,
  waitFor,
  wsClient,
} from "./harness.ts";

let databaseUrl: string;
let dataDir: string;
let api: TestServer;

const START = graphql(`mutation StartRun($input: StartRunInput!) { startRun(input: $input) { id } }`);

const epochsOf = (events: RunEventData[]) => events.flatMap((e) => eventOf(e, "RunEpochEvent")?.epoch.epoch ?? []);
const rangesOf = (events: RunEventData[]) =>
  events.flatMap((e) => {
    const losses = eventOf(e, "RunLossesEvent");
    return losses ? [[losses.fromIteration, losses.toIteration] as const] : [];
  });

beforeAll(async () => {
  databaseUrl = await freshDatabase();
  dataDir = await tinyDataset();
  api = await startApi(databaseUrl);
});

describe("runEvents fan-out", () => {
  it("executes each event once for N subscribers with the same document, each getting every event once, in order", async () => {
    const N = 8;
    const { startRun } = await gqlOk(api.url, START, {
      input: { hiddenSize: 10, numIters: 400, batchSize: 20, seed: 3 },
    });
    const before = { ...api.app.fanout };
    let joined = 0;
    const streams = Array.from({ length: N }, () =>
      collect(wsClient(api.url), RUN_EVENTS, { runId: startRun.id }, (events) => {
        if (events.length === 1) joined++;
        return isTerminal(events.at(-1)!);
      }),
    );
    // Everyone has the stored QUEUED status before anything is trained.
    await waitFor(async () => joined === N, 10_000, "all subscribers to join");
    expect(api.app.fanout.streams).toBe(1);
    // A late subscriber, on a connection of its own, once a few epochs are out.
    const late = (async () => {
      await waitFor(
        async () =>
          (
            await gqlOk(api.url, graphql(`query Epochs($id: ID!) { run(id: $id) { epochs { epoch } } }`), {
              id: startRun.id,
            })
          ).run.epochs.length >= 3,
        60_000,
        "3 epochs",
      );
      return collect(wsClient(api.url), RUN_EVENTS, { runId: startRun.id }, (events) => isTerminal(events.at(-1)!));
    })();
    await startTrainer(databaseUrl, dataDir);
    const all = await Promise.all(streams);

    for (const events of all) {
      expect(epochsOf(events)).toEqual([...Array(20).keys()]); // 400 / 20 = 20 epochs, each once
      const ranges = rangesOf(events);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
      expect(ranges.at(-1)?.[1]).toBe(400);
      expect(eventOf(events.at(-1), "RunStatusEvent")?.status).toBe("SUCCEEDED");
      // The losses up to an epoch's iteration arrive with it (just ahead of it, in the same
      // hand-out): the loss curve reaches the epoch when the epoch shows. (An epoch is measured after
      // its iteration, whose loss is therefore the epoch's last one: losses [0, iteration + 1).)
      events.forEach((e, i) => {
        const at = eventOf(e, "RunEpochEvent")?.epoch.iteration;
        if (at === undefined) return;
        expect(Math.max(0, ...rangesOf(events.slice(0, i)).map(([, to]) => to))).toBe(at + 1);
      });
      // The same events, cursors included, for everyone.
      expect(events).toEqual(all[0]);
    }
    const events = all[0]!.length;
    const after = api.app.fanout;
    // Each subscriber executed its own catch-up (the QUEUED status) once; every event after it was
    // executed once for all of them, plus the shared stream's own catch-up (that same status).
    expect(after.sharedExecutions - before.sharedExecutions).toBe(events);
    // And went straight to the sockets, serialized once (directDelivery.ts): all but each subscriber's
    // catch-up and the final status, which graphql-ws sends so that it completes the operation.
    expect(after.directDeliveries - before.directDeliveries).toBeGreaterThanOrEqual(N * (events - 2));

    const lateEvents = await late;
    expect(epochsOf(lateEvents)).toEqual([...Array(20).keys()]);
    // Its first epochs came from its own catch-up, through graphql-ws; the others had them directly.
    const epochEvents = (events: RunEventData[]) =>
      events.flatMap((e) => eventOf(e, "RunEpochEvent")?.epoch ?? []).slice(0, 3);
    expect(epochEvents(lateEvents)).toEqual(epochEvents(all[0]!));
    const lateRanges = rangesOf(lateEvents);
    expect(lateRanges[0]?.[0]).toBe(0);
    for (let i = 1; i < lateRanges.length; i++) expect(lateRanges[i]![0]).toBe(lateRanges[i - 1]![1]);
    expect(lateRanges.at(-1)?.[1]).toBe(400);
    await waitFor(async () => api.app.fanout.streams === 0, 5000, "the shared stream to close");
  });
});
