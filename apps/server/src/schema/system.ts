// What the system runs on: the trainers, their backend and the data set they loaded.

import type { Db, Trainer } from "@trainql/db";
import { BACKEND_NAMES, howToGetData } from "@trainql/nn";
import { liveTrainers } from "@trainql/runs";
import { builder, type Context } from "./builder.ts";

/** The most recently seen live trainer (live: its heartbeat is more recent than the lease timeout). */
async function liveTrainer(db: Db, timeoutMs: number): Promise<Trainer | null> {
  return (await liveTrainers(db, timeoutMs))[0] ?? null;
}

/**
 * Where a trainer's files lie (its data set, the BLAS libraries its warnings name) and which machine it
 * runs on tell a stranger about the servers, not the runs: callers without a token of a tokened API
 * with public queries get null (a tokenless API is on loopback: its callers are this machine's).
 */
const anonymous = (ctx: Context) => ctx.access === "none";
const ANONYMOUS_NULL = " Null to callers without a token.";

const BackendRef = builder.objectRef<Trainer>("Backend").implement({
  description: "A TensorFlow.js backend a trainer runs on.",
  fields: (t) => ({
    name: t.exposeString("backend", { description: `One of ${BACKEND_NAMES.join(", ")}.` }),
    device: t.exposeString("device"),
    version: t.exposeString("backendVersion"),
    warnings: t.stringList({
      nullable: true,
      description: `What makes this backend slower than it could be here, and how to fix it (e.g. no BLAS library: the files tried).${ANONYMOUS_NULL}`,
      resolve: (tr, _args, ctx) => (anonymous(ctx) ? null : tr.warnings),
    }),
  }),
});

const DatasetRef = builder.objectRef<Trainer>("Dataset").implement({
  description: "The CIFAR-10 data a trainer loaded.",
  fields: (t) => ({
    available: t.boolean({ resolve: (tr) => tr.numTrain !== null }),
    directory: t.string({
      nullable: true,
      description: `Where the trainer found the data, or looked for it in vain.${ANONYMOUS_NULL}`,
      resolve: (tr, _args, ctx) => (anonymous(ctx) ? null : tr.datasetDir),
    }),
    howToGet: t.string({
      nullable: true,
      description: `When the data is missing: where to put the files, and how to get them.${ANONYMOUS_NULL}`,
      resolve: (tr, _args, ctx) =>
        tr.numTrain === null && tr.datasetDir && !anonymous(ctx) ? howToGetData(tr.datasetDir) : null,
    }),
    fingerprint: t.exposeString("dataFingerprint", {
      nullable: true,
      description:
        "A hash of its images and labels and of the split sizes: trainers with the same one have the same data, and only they go on with a run that trained on it (Run.data).",
    }),
    numTrain: t.exposeInt("numTrain", { nullable: true }),
    numVal: t.exposeInt("numVal", { nullable: true }),
    numTest: t.exposeInt("numTest", { nullable: true }),
  }),
});

const TrainerRef = builder.objectRef<Trainer>("Trainer").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    host: t.string({
      nullable: true,
      description: `The machine it runs on.${ANONYMOUS_NULL}`,
      resolve: (tr, _args, ctx) => (anonymous(ctx) ? null : tr.host),
    }),
    pid: t.int({
      nullable: true,
      description: `Its process id on that machine.${ANONYMOUS_NULL}`,
      resolve: (tr, _args, ctx) => (anonymous(ctx) ? null : tr.pid),
    }),
    backend: t.field({ type: BackendRef, resolve: (tr) => tr }),
    dataset: t.field({ type: DatasetRef, resolve: (tr) => tr }),
    startedAt: t.expose("startedAt", { type: "DateTime" }),
    lastSeenAt: t.expose("lastSeenAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  trainers: t.field({
    type: [TrainerRef],
    description: "Live trainer processes (recent heartbeat).",
    resolve: async (_root, _args, { db, reapPolicy }) =>
      (await liveTrainers(db, reapPolicy.timeoutMs)).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime()),
  }),
  backend: t.field({
    type: BackendRef,
    nullable: true,
    description: "The backend of the most recently seen live trainer; null when no trainer is running.",
    resolve: (_root, _args, { db, reapPolicy }) => liveTrainer(db, reapPolicy.timeoutMs),
  }),
  dataset: t.field({
    type: DatasetRef,
    nullable: true,
    description: "The data set of the most recently seen live trainer; null when no trainer is running.",
    resolve: (_root, _args, { db, reapPolicy }) => liveTrainer(db, reapPolicy.timeoutMs),
  }),
}));
