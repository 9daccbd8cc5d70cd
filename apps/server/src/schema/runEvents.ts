// Subscriptions: a run's live events (stored ones first), and changes to the list of runs.
import { runEventStream, type StreamEvent } from "../events/runEventStream.ts";
import type { RunsChanged } from "../events/runEvents.ts";
import { topics } from "../events/runEvents.ts";
import { builder } from "./builder.ts";
import { EpochRef, findRun, LossPointRef, RunRef, RunStatusEnum } from "./run.ts";

type Of<T extends StreamEvent["type"]> = Extract<StreamEvent, { type: T }>;

const StatusEvent = builder.objectRef<Of<"status">>("RunStatusEvent").implement({
  description: "The run's status changed (and everything before it is already delivered).",
  fields: (t) => ({
    status: t.field({ type: RunStatusEnum, resolve: (e) => e.status }),
    run: t.field({ type: RunRef, resolve: (e, _args, { db }) => db.run.findUniqueOrThrow({ where: { id: e.runId } }) }),
  }),
});

const EpochEvent = builder.objectRef<Of<"epoch">>("RunEpochEvent").implement({
  fields: (t) => ({
    epoch: t.field({ type: EpochRef, resolve: (e) => ({ ...e.epoch, recordedAt: new Date(e.epoch.recordedAt) }) }),
  }),
});

const LossesEvent = builder.objectRef<Of<"losses">>("RunLossesEvent").implement({
  description:
    "Losses of iterations [fromIteration, toIteration), sampled: consecutive events cover consecutive ranges.",
  fields: (t) => ({
    fromIteration: t.int({ resolve: (e) => e.from }),
    toIteration: t.int({ resolve: (e) => e.to }),
    points: t.field({
      type: [LossPointRef],
      resolve: (e) => e.points.map(([iteration, loss]) => ({ iteration, loss })),
    }),
  }),
});

const WeightsEvent = builder.objectRef<Of<"weights">>("RunWeightsEvent").implement({
  fields: (t) => ({
    atEpoch: t.int({ description: "The epoch whose weights the image shows.", resolve: (e) => e.epoch }),
    url: t.string({ resolve: (e) => `/runs/${e.runId}/weights.png?epoch=${e.epoch}` }),
  }),
});

const TestEvent = builder.objectRef<Of<"test">>("RunTestEvent").implement({
  fields: (t) => ({ testAcc: t.exposeFloat("testAcc") }),
});

const TYPES = { status: StatusEvent, epoch: EpochEvent, losses: LossesEvent, weights: WeightsEvent, test: TestEvent };

const RunEventUnion = builder.unionType("RunEvent", {
  types: Object.values(TYPES),
  resolveType: (event) => TYPES[(event as StreamEvent).type],
});

const RunsChangedKind = builder.enumType("RunsChangedKind", { values: ["created", "updated", "deleted"] as const });

const RunsChangedEvent = builder.objectRef<RunsChanged>("RunsChangedEvent").implement({
  fields: (t) => ({
    kind: t.field({ type: RunsChangedKind, resolve: (e) => e.kind }),
    runId: t.exposeID("runId", { description: "The run's UUID." }),
    run: t.field({
      type: RunRef,
      nullable: true,
      description: "The run as it is now; null once deleted.",
      resolve: (e, _args, { db }) => db.run.findUnique({ where: { id: e.runId } }),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  runEvents: t.field({
    type: RunEventUnion,
    description: "A run's events: first what is stored (losses downsampled), then live, with no gap and no duplicate.",
    args: { runId: t.arg.id({ required: true }) },
    subscribe: async (_root, { runId }, { db, hub }) =>
      runEventStream(db, hub, (await findRun(db, String(runId), "runId")).id),
    resolve: (event: StreamEvent) => event,
  }),
  runsChanged: t.field({
    type: RunsChangedEvent,
    description: "Any run created, deleted, or changed in status or progress.",
    subscribe: async (_root, _args, { hub }) => {
      const subscription = await hub.subscribe<RunsChanged | { type: "resync" }>(topics.runs);
      return (async function* () {
        try {
          for await (const change of subscription.events) if ("runId" in change) yield change;
        } finally {
          await subscription.close();
        }
      })();
    },
    resolve: (change: RunsChanged) => change,
  }),
}));
