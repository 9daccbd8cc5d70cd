// Subscriptions: a run's live events (stored ones first), and changes to the list of runs.

import type { RunsChanged } from "@trainql/runs";
import { type DeliveredEvent, RunEventSource } from "../fanout/runEventStream.ts";
import { builder } from "./builder.ts";
import { EpochRef, findRun, LossPointRef, RunStatusEnum } from "./run.ts";

type Of<T extends DeliveredEvent["type"]> = Extract<DeliveredEvent, { type: T }>;

const TYPE_NAMES = {
  status: "RunStatusEvent",
  epoch: "RunEpochEvent",
  losses: "RunLossesEvent",
  weights: "RunWeightsEvent",
  test: "RunTestEvent",
  testFailed: "RunTestFailedEvent",
} as const satisfies Record<DeliveredEvent["type"], string>;

const RunEventInterface = builder.interfaceRef<DeliveredEvent>("RunEvent").implement({
  description: "One of a run's events. Pass the last one's cursor as runEvents(after:) to resume after it.",
  fields: (t) => ({
    cursor: t.exposeString("cursor", {
      description: "Where this event leaves the stream: runEvents(runId, after: cursor) goes on from here.",
    }),
  }),
  resolveType: (event) => TYPE_NAMES[event.type],
});

builder.objectRef<Of<"status">>(TYPE_NAMES.status).implement({
  interfaces: [RunEventInterface],
  description: "The run's status changed (and everything before it is already delivered).",
  fields: (t) => ({
    status: t.field({ type: RunStatusEnum, resolve: (e) => e.status }),
    run: t.prismaField({
      type: "Run",
      nullable: true,
      description: "The run as it is now; null once deleted (its stream ends then).",
      resolve: (query, e, _args, { db }) => db.run.findUnique({ ...query, where: { id: e.runId } }),
    }),
  }),
});

builder.objectRef<Of<"epoch">>(TYPE_NAMES.epoch).implement({
  interfaces: [RunEventInterface],
  fields: (t) => ({
    epoch: t.field({
      type: EpochRef,
      // From the notification itself: no database read per subscriber.
      resolve: (e) => ({ ...e.epoch, runId: e.runId, recordedAt: new Date(e.epoch.recordedAt) }),
    }),
  }),
});

builder.objectRef<Of<"losses">>(TYPE_NAMES.losses).implement({
  interfaces: [RunEventInterface],
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

builder.objectRef<Of<"weights">>(TYPE_NAMES.weights).implement({
  interfaces: [RunEventInterface],
  fields: (t) => ({
    atEpoch: t.int({ description: "The epoch whose weights the image shows.", resolve: (e) => e.epoch }),
    url: t.string({ resolve: (e) => `/runs/${e.runId}/weights.png?epoch=${e.epoch}` }),
  }),
});

builder.objectRef<Of<"test">>(TYPE_NAMES.test).implement({
  interfaces: [RunEventInterface],
  fields: (t) => ({ testAcc: t.exposeFloat("testAcc") }),
});

builder.objectRef<Of<"testFailed">>(TYPE_NAMES.testFailed).implement({
  interfaces: [RunEventInterface],
  description:
    "The evaluation on the test set gave no accuracy (Run.testError says why too); evaluateTest may try again.",
  fields: (t) => ({ error: t.exposeString("error") }),
});

/** A runsChanged event: a run's change, or `resync` (about no run) when changes may have been missed. */
type RunsChangedDelivered = RunsChanged | { kind: "resync"; runId: null };

const RunsChangedKind = builder.enumType("RunsChangedKind", {
  values: {
    created: {},
    updated: {},
    deleted: {},
    resync: {
      description:
        "Changes may have been missed (the API's connection to the database was down a while): read the list again. runId is null.",
    },
  },
});

const RunsChangedEvent = builder.objectRef<RunsChangedDelivered>("RunsChangedEvent").implement({
  fields: (t) => ({
    kind: t.field({ type: RunsChangedKind, resolve: (e) => e.kind }),
    runId: t.exposeID("runId", { nullable: true, description: "The run's UUID; null for resync." }),
    run: t.prismaField({
      type: "Run",
      nullable: true,
      description: "The run as it is now; null once deleted (and for resync).",
      resolve: (query, e, _args, { db }) => (e.runId ? db.run.findUnique({ ...query, where: { id: e.runId } }) : null),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  runEvents: t.field({
    type: RunEventInterface,
    description:
      "A run's events: first what is stored (losses downsampled), then live, with no gap and no duplicate. " +
      "Completes after the run's final status (and a pending test result). After a reconnect, pass the last " +
      "event's cursor as `after` to get exactly what was missed.",
    args: {
      runId: t.arg.id({ required: true }),
      after: t.arg.string({ required: false, description: "The cursor of the last event received." }),
    },
    // A RunEventSource: its own stream when iterated, or a seat in a shared one (useRunEventFanout.ts).
    subscribe: async (_root, { runId, after }, { db, pubsub }) =>
      new RunEventSource(db, pubsub, (await findRun(db, String(runId), "runId")).id, after ?? undefined),
    resolve: (event: DeliveredEvent) => event,
  }),
  runsChanged: t.field({
    type: RunsChangedEvent,
    description:
      "Any run created, deleted, or changed in status or progress; `resync` when changes may have been missed.",
    subscribe: async (_root, _args, { pubsub }) => {
      const changes = await pubsub.listen("trainql:runs");
      return (async function* () {
        try {
          // (A resync is passed on: a client that only hears changes must read again what it missed.)
          for await (const change of changes)
            yield "runId" in change ? change : ({ kind: "resync", runId: null } satisfies RunsChangedDelivered);
        } finally {
          await changes.return(undefined);
        }
      })();
    },
    resolve: (change: RunsChangedDelivered) => change,
  }),
}));
