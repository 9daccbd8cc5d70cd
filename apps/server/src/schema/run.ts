// Run: a training run — its hyperparameters, live state, metrics and results — with its queries
// and mutations.
import { queryFromInfo } from "@pothos/plugin-prisma";
import { resolveCursorConnection } from "@pothos/plugin-relay";
import { type Prisma, type Run, RunStatus } from "@trainql/db";
import { confusionFromFlat } from "@trainql/nn";
import {
  HYPERPARAMETER_NAMES,
  HYPERPARAMETERS,
  type HyperparameterName,
  type Hyperparameters,
  hyperparametersSchema,
} from "@trainql/nn/hyperparameters";
import { MAX_SEEDS, seedsRule } from "@trainql/nn/seeds";
import { ruleText } from "@trainql/nn/validation";
import {
  cancelRunIn,
  DATA_IDENTITY,
  type DataIdentity,
  dataOf,
  downsample,
  EPOCH_CHECKPOINT_BUDGET_BYTES,
  enqueueAdvanceSweep,
  enqueueEvaluate,
  enqueueTrain,
  hyperparametersOf,
  liveTrainers,
  MAX_EPOCH_CHECKPOINTS,
  MAX_WEIGHTS_IMAGES,
  publish,
  publishRunsChanged,
  readLosses,
  removeJobsOf,
  rereadRun,
  runsChanged,
  sameBackendSpans,
  WEIGHTS_IMAGES_BUDGET_BYTES,
} from "@trainql/runs";
import { QUEUED_ORDER } from "@trainql/runs/trialRanking";
import type { z } from "zod";
import { LOSS_HISTORY_POINTS } from "../limits.ts";
import { admitted, checkQueueRoom } from "../security/admission.ts";
import { builder, type Context } from "./builder.ts";
import { ConfusionMatrixRef } from "./confusionMatrix.ts";
import { badInput, conflict, notFound } from "./errors.ts";
import { uuidFrom } from "./ids.ts";
import { connectionArgsOf, PAGE_SIZES } from "./pagination.ts";
import { earlierAnswer, RequestId, requestIdAbout, requestOf } from "./requestId.ts";
import { createFork } from "./runFork.ts";
import { MAX_NAME, MAX_NOTE, MAX_TAGS, RunFilterSchema, RunName, TAG_RULE, UpdateRunSchema } from "./runLabels.ts";
import { beyondCursor, cursorColumnsOf, cursorOf, isRunCursor, orderByOf, RunOrder } from "./runOrder.ts";
import { checkTrainerFits } from "./trainerFit.ts";

export const RunStatusEnum = builder.enumType("RunStatus", { values: Object.values(RunStatus) });

const HyperparametersRef = builder.objectRef<Hyperparameters>("Hyperparameters").implement({
  description: "The knobs of one run (the reference assignment's names in camelCase).",
  fields: (t) =>
    Object.fromEntries(
      HYPERPARAMETER_NAMES.map((name) => {
        const { rule, about: description } = HYPERPARAMETERS[name];
        return [name, rule.isInt ? t.exposeInt(name, { description }) : t.exposeFloat(name, { description })];
      }),
    ),
});

export const EpochRef = builder.prismaObject("EpochMetric", {
  name: "Epoch",
  description: "Metrics taken at an epoch boundary (iteration % iterationsPerEpoch == 0, after the update).",
  // Include mode (no `select`): an epoch row is a few numbers, and epochs delivered by runEvents come
  // from notifications, not the database, so their fields must read the object they are given.
  fields: (t) => ({
    epoch: t.exposeInt("epoch"),
    iteration: t.exposeInt("iteration"),
    loss: t.exposeFloat("loss", { description: "Minibatch loss at that iteration." }),
    trainAcc: t.exposeFloat("trainAcc", { description: "Accuracy on that iteration's minibatch." }),
    valAcc: t.exposeFloat("valAcc", { description: "Accuracy on the whole validation set." }),
    learningRate: t.exposeFloat("learningRate", {
      description: "The rate that iteration used (before this epoch's decay).",
    }),
    elapsedMs: t.exposeFloat("elapsedMs", { description: "Milliseconds of training so far." }),
    recordedAt: t.expose("recordedAt", { type: "DateTime", description: "When the trainer wrote it." }),
  }),
});

builder.prismaObject("BackendSpan", {
  description:
    "Iterations of a run trained on one backend and device: from fromIteration up to the next span's (or the run's end).",
  fields: (t) => ({
    fromIteration: t.exposeInt("fromIteration"),
    backend: t.exposeString("backend", { description: "The TensorFlow.js backend." }),
    device: t.exposeString("device", { description: "The adapter, or the CPU's BLAS and its thread count." }),
  }),
});

const RunDataRef = builder.objectRef<DataIdentity & { dataFingerprint: string }>("RunData").implement({
  description:
    "The data set a run trains on. Only a trainer with the same data set resumes, evaluates, forks or reproduces the run: on other data it would become another run.",
  fields: (t) => ({
    fingerprint: t.exposeString("dataFingerprint", {
      description: "A hash of the data set's images and labels and of the split sizes (Trainer.dataset.fingerprint).",
    }),
    numTrain: t.exposeInt("numTrain", { nullable: true }),
    numVal: t.exposeInt("numVal", { nullable: true }),
  }),
});

export const LossPointRef = builder.objectRef<{ iteration: number; loss: number }>("LossPoint").implement({
  fields: (t) => ({ iteration: t.exposeInt("iteration"), loss: t.exposeFloat("loss") }),
});

interface Reproduction {
  identical: boolean | null;
  firstDifferenceIteration: number | null;
  firstDifference: number | null;
  maxAbsDifference: number | null;
  finalParametersIdentical: boolean | null;
  sameBackend: boolean | null;
  originalBackend: string | null;
  originalDevice: string | null;
}

/** (For descriptions that quote a byte limit.) */
const mebibytes = (bytes: number) => `${bytes / 2 ** 20} MiB`;

const ReproductionRef = builder.objectRef<Reproduction>("Reproduction").implement({
  description:
    "A reproduceRun run against its original: their per-iteration losses (as stored, float32) and their final parameters compared bit for bit when the reproduction SUCCEEDED.",
  fields: (t) => ({
    identical: t.exposeBoolean("identical", {
      nullable: true,
      description:
        "Every loss bit-identical to the original's; null until the reproduction has SUCCEEDED. The final parameters are compared apart: finalParametersIdentical.",
    }),
    firstDifferenceIteration: t.exposeInt("firstDifferenceIteration", {
      nullable: true,
      description: "The first iteration whose loss differs (or that only one of them has); null when identical.",
    }),
    firstDifference: t.exposeFloat("firstDifference", {
      nullable: true,
      description: "reproduction − original at firstDifferenceIteration.",
    }),
    maxAbsDifference: t.exposeFloat("maxAbsDifference", {
      nullable: true,
      description:
        "The largest |reproduction − original| over the iterations both have (null: not compared yet, or a NaN on one side).",
    }),
    finalParametersIdentical: t.exposeBoolean("finalParametersIdentical", {
      nullable: true,
      description:
        "The final parameters (W1, b1, W2, b2) bit-identical to the original's: the last update, which no loss shows, included. Null until the reproduction has SUCCEEDED, or when they were not compared: either run without a final checkpoint (or theirs of different iterations), or a reproduction that finished before final parameters were compared (2026-12-01).",
    }),
    sameBackend: t.exposeBoolean("sameBackend", {
      nullable: true,
      description:
        "Trained on the same backends and devices (a device names the BLAS and its thread count) as the original, switching at the same iterations (backendSpans); null until both are known. Any trainer may take a reproduction: a difference with sameBackend false is explained by it.",
    }),
    originalBackend: t.exposeString("originalBackend", {
      nullable: true,
      description: "The backend that trained the original last (its backendSpans has each).",
    }),
    originalDevice: t.exposeString("originalDevice", { nullable: true }),
  }),
});

/** The columns `Run.hyperparameters` reads. */
const HYPERPARAMETER_COLUMNS = Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, true])) as Record<
  HyperparameterName,
  true
>;

// Select mode: a query reads `id` and the columns of the fields it asks for, nothing else.
export const RunRef = builder.prismaNode("Run", {
  id: { field: "id" },
  // node(id:) of an id that is not (or no longer) there is null, as Relay has it, not an error.
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    uuid: t.exposeString("id", { description: "The run's database id (also accepted wherever a Run ID is)." }),
    name: t.exposeString("name", {
      nullable: true,
      description: "What the person who started it calls it (e.g. the study that launched it).",
    }),
    tags: t.exposeStringList("tags", { description: "Labels to group and filter runs by (see updateRun)." }),
    note: t.exposeString("note", { nullable: true, description: "Free-form notes about the run, in Markdown." }),
    status: t.expose("status", { type: RunStatusEnum }),
    hyperparameters: t.field({ type: HyperparametersRef, select: HYPERPARAMETER_COLUMNS, resolve: hyperparametersOf }),
    backend: t.exposeString("backend", {
      nullable: true,
      description: "The TensorFlow.js backend that trained it (the latest, when backendSpans has several).",
    }),
    device: t.exposeString("device", { nullable: true }),
    data: t.field({
      type: RunDataRef,
      nullable: true,
      description:
        "The data set it trains on: its first trainer's (and so its sweep's or seed group's runs'); a fork's or reproduction's is its original's. Null until a trainer with a data set claims it, and for runs that ended before data sets were recorded.",
      select: DATA_IDENTITY,
      resolve: ({ dataFingerprint, numTrain, numVal }) =>
        dataFingerprint === null ? null : { dataFingerprint, numTrain, numVal },
    }),
    backendSpans: t.relation("backendSpans", {
      description:
        "Every backend and device that trained it, in order, each from the iteration it took over at. More than one when the run was resumed, after an interruption, by a trainer of another kind (or a fork's parent was): from there its float32 sums differ in their last bits, so it is not bit-identical to a run trained on one. A fork's first spans are its parent's.",
      query: { orderBy: { fromIteration: "asc" } },
    }),
    trainerId: t.exposeString("trainerId", { nullable: true, description: "The trainer process that took the run." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    iteration: t.exposeInt("iteration", { description: "Iterations completed." }),
    progress: t.float({
      description: "Fraction of numIters completed, 0–1.",
      select: { iteration: true, numIters: true },
      resolve: (run) => run.iteration / run.numIters,
    }),
    epochs: t.relation("epochs", { query: { orderBy: { epoch: "asc" } } }),
    lossHistory: t.field({
      type: [LossPointRef],
      description:
        "The loss of every iteration, downsampled to at most maxPoints points for charts: each bucket's lowest and highest loss, and the last, so a spike survives.",
      args: { maxPoints: t.arg.int({ defaultValue: LOSS_HISTORY_POINTS.default, required: true }) },
      resolve: async (run, { maxPoints }, { db, lossHistoryBudget }, info) => {
        if (maxPoints < 1 || maxPoints > LOSS_HISTORY_POINTS.max)
          throw badInput("maxPoints", `maxPoints must be from 1 to ${LOSS_HISTORY_POINTS.max}; got ${maxPoints}`);
        lossHistoryBudget(info.rootValue).take(maxPoints);
        return downsample(await readLosses(db, run.id), maxPoints);
      },
    }),
    finalValAcc: t.exposeFloat("finalValAcc", { nullable: true }),
    valConfusion: t.field({
      type: ConfusionMatrixRef,
      nullable: true,
      description:
        "finalValAcc's confusion matrix on the validation set, of the parameters the run last stopped with (its end, or a sweep trial's pause at a rung): null until then, and for runs that ended before it was recorded.",
      select: { valConfusion: true },
      resolve: (run) => confusionFromFlat(run.valConfusion),
    }),
    bestValAcc: t.exposeFloat("bestValAcc", { nullable: true }),
    testAcc: t.exposeFloat("testAcc", { nullable: true, description: "Null until evaluateTest has run." }),
    testConfusion: t.field({
      type: ConfusionMatrixRef,
      nullable: true,
      description:
        "testAcc's confusion matrix on the test set: null until evaluateTest has run (and for runs evaluated before it was recorded).",
      select: { testConfusion: true },
      resolve: (run) => confusionFromFlat(run.testConfusion),
    }),
    testError: t.exposeString("testError", {
      nullable: true,
      description: "Why the last evaluateTest gave no testAcc (then runEvents ends without a RunTestEvent).",
    }),
    error: t.exposeString("error", { nullable: true, description: "Why the run FAILED." }),
    divergedAtIteration: t.exposeInt("divergedAtIteration", {
      nullable: true,
      description:
        "For a run that FAILED by diverging: the iteration whose loss was not a finite number (NaN or ±∞), or whose update left parameters that are not (checked at each epoch's end and after the last step, where no later loss would tell).",
    }),
    interruptions: t.exposeStringList("interruptions", {
      description:
        "Attempts that ended without finishing (a trainer killed or cut off), oldest first; the run resumed from its checkpoint after each.",
    }),
    weightsImageUrl: t.string({
      nullable: true,
      description:
        "The first-layer weights as a PNG grid (path on this server), refreshed at the epochs the trainer draws it (paced within EPOCH_ARTIFACTS_PERCENT of the run's time; always the last).",
      select: { weightsEpoch: true },
      resolve: (run) => (run.weightsEpoch === null ? null : `/runs/${run.id}/weights.png?epoch=${run.weightsEpoch}`),
    }),
    weightsEpoch: t.exposeInt("weightsEpoch", { nullable: true }),
    weightsEpochs: t.intList({
      description: `The epochs whose weights image is kept (weightsImageUrl with ?epoch=k serves each), ascending: every epoch one was drawn at while there are few, then a thinning spread (multiples of a doubling stride) plus the latest; ${MAX_WEIGHTS_IMAGES} at most, within ${mebibytes(WEIGHTS_IMAGES_BUDGET_BYTES)} per run (counted uncompressed; none beyond H ≈ 2,600).`,
      select: { weightsEpoch: true, weightsImages: { select: { epoch: true }, orderBy: { epoch: "asc" } } },
      // With the latest, which the run itself holds (the only one kept for a net too large for a history).
      resolve: (run) =>
        [
          ...new Set([
            ...run.weightsImages.map((image) => image.epoch),
            ...(run.weightsEpoch === null ? [] : [run.weightsEpoch]),
          ]),
        ].sort((a, b) => a - b),
    }),
    checkpointEpochs: t.intList({
      description: `The epochs whose parameters are kept, ascending: forkRun can start a new run from each. Thinned as weightsEpochs, within ${mebibytes(EPOCH_CHECKPOINT_BUDGET_BYTES)} per run (at most ${MAX_EPOCH_CHECKPOINTS}); none for nets over ~${Math.round(EPOCH_CHECKPOINT_BUDGET_BYTES / 8 / 1e6)}M parameters.`,
      select: { epochCheckpoints: { select: { epoch: true }, orderBy: { epoch: "asc" } } },
      resolve: (run) => run.epochCheckpoints.map((checkpoint) => checkpoint.epoch),
    }),
    forkedFrom: t.relation("forkedFrom", {
      nullable: true,
      description:
        "The run this one was forked from (forkRun); null for a run trained from scratch, or once the parent is deleted.",
    }),
    forkedAtEpoch: t.exposeInt("forkedAtEpoch", {
      nullable: true,
      description: "For a fork: the parent's epoch it started from; its epochs up to this one are the parent's.",
    }),
    forks: t.relation("forks", {
      description: "The runs forked from this one, oldest first.",
      query: { orderBy: QUEUED_ORDER },
    }),
    learningRateFromEpoch: t.exposeInt("learningRateFromEpoch", {
      description:
        "The epoch whose iterations use hyperparameters.learningRate undecayed (0, or a fork's first epoch when it set a new rate or decay): epoch e uses learningRate · learningRateDecay^(e − learningRateFromEpoch).",
    }),
    budgetIters: t.exposeInt("budgetIters", {
      nullable: true,
      description: "Successive halving: the iterations this trial may train to in its current rung.",
    }),
    sweepId: t.exposeID("sweepId", { nullable: true, description: "The UUID of the sweep this run is a trial of." }),
    group: t.relation("group", {
      nullable: true,
      description: "The seed group this run is a member of (startRun with seeds, or a sweep with seeds).",
    }),
    reproducedFrom: t.relation("reproducedFrom", {
      nullable: true,
      description: "The run this one reproduces (reproduceRun).",
    }),
    reproductions: t.relation("reproductions", {
      query: { orderBy: QUEUED_ORDER },
      description: "Runs started by reproduceRun from this one, oldest first.",
    }),
    reproduction: t.field({
      type: ReproductionRef,
      nullable: true,
      description:
        "For a reproduceRun run: whether its losses and final parameters are bit-identical to the original's. Null for other runs.",
      select: {
        reproducedFromId: true,
        reproducedIdentical: true,
        firstDifferenceIteration: true,
        firstDifference: true,
        maxAbsDifference: true,
        finalParametersIdentical: true,
        backendSpans: { orderBy: { fromIteration: "asc" } },
        reproducedFrom: {
          select: { backend: true, device: true, backendSpans: { orderBy: { fromIteration: "asc" } } },
        },
      },
      resolve: (run) => {
        if (run.reproducedFromId === null && run.reproducedIdentical === null) return null;
        const original = run.reproducedFrom;
        const known = original?.backendSpans.length && run.backendSpans.length;
        return {
          identical: run.reproducedIdentical,
          firstDifferenceIteration: run.firstDifferenceIteration,
          firstDifference: run.firstDifference,
          maxAbsDifference: Number.isFinite(run.maxAbsDifference) ? run.maxAbsDifference : null,
          finalParametersIdentical: run.finalParametersIdentical,
          sameBackend: known ? sameBackendSpans(original.backendSpans, run.backendSpans) : null,
          originalBackend: original?.backend ?? null,
          originalDevice: original?.device ?? null,
        };
      },
    }),
    hasCheckpoint: t.boolean({
      // The checkpoint's key only, loaded with the runs (one query for a whole page), never its data.
      select: { checkpoint: { select: { runId: true } } },
      resolve: (run) => run.checkpoint !== null,
    }),
  }),
});

/** A run's id and status, by a Run ID or UUID; NOT_FOUND if there is none. */
export async function findRun(db: Context["db"], id: string, field = "id"): Promise<Pick<Run, "id" | "status">> {
  const run = await db.run.findUnique({
    where: { id: uuidFrom("Run", id, field) },
    select: { id: true, status: true },
  });
  if (!run) throw notFound("run", id);
  return run;
}

const RunFilter = builder.inputType("RunFilter", {
  description: "Which runs to list; every condition given must hold.",
  fields: (t) => ({
    tags: t.stringList({ required: false, description: "Only runs that carry all of these tags." }),
    nameContains: t.string({ required: false, description: "Only runs whose name contains this, ignoring case." }),
    sweepId: t.id({ required: false, description: "Only the trials of this sweep." }),
  }),
});

/** A runs filter as a Prisma condition (ids already checked). */
function runFilterWhere(
  filter: { tags?: string[] | null; nameContains?: string | null; sweepId?: string | number | null } | null | undefined,
): Prisma.RunWhereInput {
  if (!filter) return {};
  return {
    // tags @> ARRAY[…]: served by the GIN index on tags.
    ...(filter.tags?.length ? { tags: { hasEvery: filter.tags } } : {}),
    // Prisma passes the text to ILIKE as it is: escaped, "lr_0" matches "lr_0.5" and not "lr10".
    ...(filter.nameContains
      ? { name: { contains: filter.nameContains.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" } }
      : {}),
    ...(filter.sweepId ? { sweepId: uuidFrom("Sweep", String(filter.sweepId), "filter.sweepId") } : {}),
  };
}

builder.queryFields((t) => ({
  run: t.prismaField({
    type: "Run",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, { db }) => {
      const run = await db.run.findUnique({ ...query, where: { id: uuidFrom("Run", String(id)) } });
      if (!run) throw notFound("run", String(id));
      return run;
    },
  }),
  runs: t.connection({
    type: RunRef,
    description:
      "Runs, a page at a time, in `orderBy`. A cursor holds its run's sort key as it was on that page, so the next page goes on from there whatever the run did since (trained on, was deleted); a cursor of another order is refused.",
    validate: connectionArgsOf({ ...PAGE_SIZES.QueryRunsConnection, isCursor: isRunCursor }),
    args: {
      status: t.arg({ type: [RunStatusEnum], required: false, description: "Only runs in these states." }),
      sweepId: t.arg.id({ required: false, description: "Only the trials of this sweep (as filter.sweepId)." }),
      filter: t.arg({ type: RunFilter, required: false }).validate(RunFilterSchema.nullish()),
      orderBy: t.arg({ type: RunOrder, defaultValue: "CREATED_AT_DESC" }),
    },
    resolve: (_root, args, ctx, info) => {
      const order = args.orderBy ?? "CREATED_AT_DESC";
      const filter = runFilterWhere(args.filter);
      // Just the columns the query asks for (Run is in select mode), and those of the cursors.
      const { select } = queryFromInfo({ context: ctx, info, path: ["edges", "node"], select: cursorColumnsOf(order) });
      return resolveCursorConnection<Promise<Run[]>>(
        { args, ...PAGE_SIZES.QueryRunsConnection, toCursor: (run: Run) => cursorOf(order, run) },
        ({ after, before, limit, inverted }) =>
          ctx.db.run.findMany({
            select,
            where: {
              AND: [
                args.status?.length ? { status: { in: args.status } } : {},
                args.sweepId ? { sweepId: uuidFrom("Sweep", String(args.sweepId), "sweepId") } : {},
                filter,
                after ? beyondCursor(order, after, "after", false) : {},
                before ? beyondCursor(order, before, "before", true) : {},
              ].filter((condition) => Object.keys(condition).length > 0),
            },
            orderBy: orderByOf(order, inverted),
            take: limit,
            // (Rows of just the selected columns, which is all the fields asked for read: as in prismaConnection.)
          }) as Promise<Run[]>,
      );
    },
  }),
}));

/** startRun's input: a name, the hyperparameters by their schema (any left out take their default), and seeds. */
const StartRunSchema = hyperparametersSchema("checked later").extend({
  name: RunName,
  seeds: seedsRule.nullish(),
  requestId: RequestId,
});

/** "Must be an integer from 1 to 8192." */
const ruleSentence = (rule: z.ZodType) => `${ruleText(rule).replace(/^m/, "M")}.`;

const StartRunInput = builder.inputType("StartRunInput", {
  description: "Hyperparameters of a new run; any left out take the reference assignment's defaults.",
  fields: (t) => ({
    name: t.string({
      required: false,
      description: `Optional: what to call the run (at most ${MAX_NAME} characters).`,
    }),
    requestId: t.string({ required: false, description: requestIdAbout("startRun") }),
    seeds: t.intList({
      required: false,
      description: `Optional: start one run per seed (1 to ${MAX_SEEDS} distinct seeds, replacing \`seed\`), tied by a RunGroup whose stats are their mean ± std. startRun returns the first seed's run; its \`group\` lists all.`,
    }),
    ...Object.fromEntries(
      HYPERPARAMETER_NAMES.map((name) => {
        const { rule, about, default: defaultValue } = HYPERPARAMETERS[name];
        const options = { defaultValue, description: `${about} ${ruleSentence(rule)}` };
        return [name, rule.isInt ? t.int(options) : t.float(options)];
      }),
    ),
  }),
});

const UpdateRunInput = builder.inputType("UpdateRunInput", {
  description: "What to change about a run's description; fields left out stay as they are.",
  fields: (t) => ({
    name: t.string({ required: false, description: `At most ${MAX_NAME} characters; null or "" removes it.` }),
    tags: t.stringList({
      required: false,
      description: `Replaces the tags: at most ${MAX_TAGS}, each ${TAG_RULE.replace(/^must be /, "")}; duplicates are dropped; null or [] removes them all.`,
    }),
    note: t.string({
      required: false,
      description: `Markdown, at most ${MAX_NOTE} characters; null or "" removes it.`,
    }),
  }),
});

builder.mutationFields((t) => ({
  updateRun: t.prismaField({
    type: "Run",
    description: "Renames a run, or replaces its tags or note, in any state. A refused input changes nothing.",
    args: {
      id: t.arg.id({ required: true }),
      input: t.arg({ type: UpdateRunInput, required: true }).validate(UpdateRunSchema),
    },
    resolve: async (query, _root, { id, input }, { db }) => {
      const run = await findRun(db, String(id));
      if (Object.keys(input).length === 0) return db.run.findUniqueOrThrow({ ...query, where: { id: run.id } });
      // The parsed input holds only what was given: one UPDATE, so a refused field (checked above)
      // means no column was written; its announcement commits with it, or neither does.
      return db.$transaction(async (tx) => {
        const { count } = await tx.run.updateMany({ where: { id: run.id }, data: input });
        if (count === 0) throw notFound("run", String(id)); // (deleted since it was found)
        await publishRunsChanged(tx, { runId: run.id, kind: "updated" });
        return tx.run.findUniqueOrThrow({ ...query, where: { id: run.id } });
      });
    },
  }),
  startRun: t.prismaField({
    type: "Run",
    description: "Queues a training run and returns it at once (status QUEUED).",
    args: { input: t.arg({ type: StartRunInput, required: true }).validate(StartRunSchema) },
    resolve: async (query, _root, { input }, ctx) => {
      const { db } = ctx;
      const { name, seeds, requestId, ...hp } = input;
      // With seeds, `seed` is not used: left out, as an absent `seeds` is null.
      const request = requestOf(requestId, { name, seeds: seeds ?? null, ...hp, seed: seeds ? null : hp.seed });
      // Sent again: the run the first one queued, without the checks a new run passes.
      const earlier = request && (await earlierAnswer(db, "startRun", ctx.queuedBy, request, false));
      const replayed = earlier && (await db.run.findUnique({ ...query, where: { id: earlier } }));
      if (replayed) return replayed;
      checkTrainerFits(await liveTrainers(db, ctx.reapPolicy.timeoutMs), hp, {
        batchSize: ["input", "batchSize"],
        hiddenSize: ["input", "hiddenSize"],
      });
      return admitted(ctx, seeds?.length ?? 1, () =>
        db.$transaction(async (tx) => {
          // Sent twice at once: the second waits for the first's commit, and answers with its run.
          const committed = request && (await earlierAnswer(tx, "startRun", ctx.queuedBy, request, true));
          if (committed) return tx.run.findUniqueOrThrow({ ...query, where: { id: committed } });
          const groupId = seeds ? (await tx.runGroup.create({ data: {}, select: { id: true } })).id : null;
          const runIds: string[] = [];
          for (const seed of seeds ?? [hp.seed]) {
            const { id } = await tx.run.create({
              data: { ...hp, seed, name, groupId, queuedBy: ctx.queuedBy, ...(runIds.length === 0 ? request : null) },
              select: { id: true },
            });
            await enqueueTrain(tx, id);
            await publishRunsChanged(tx, { runId: id, kind: "created" });
            runIds.push(id);
          }
          await checkQueueRoom(tx, runIds.length, ctx);
          // Read once every seed's run is written, so that the first's `group` lists them all.
          return tx.run.findUniqueOrThrow({ ...query, where: { id: runIds[0]! } });
        }),
      );
    },
  }),
  cancelRun: t.prismaField({
    type: "Run",
    description:
      "Stops a run: a queued one at once, a running one within one iteration (then CANCELLED); one whose trainer is gone, at once.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, { db, reapPolicy }) => {
      const { id: runId } = await findRun(db, String(id));
      const outcome = await db.$transaction((tx) => cancelRunIn(tx, runId, reapPolicy));
      if (!outcome) throw notFound("run", String(id));
      if (outcome.kind === "ended")
        throw conflict(`run ${id} already ended (${outcome.status}); there is nothing to cancel`);
      return db.run.findUniqueOrThrow({ ...query, where: { id: runId } });
    },
  }),
  deleteRun: t.field({
    type: "ID",
    description: "Deletes a run that is not running, with its metrics and checkpoint. Returns its ID.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db }) => {
      const { id: runId } = await findRun(db, String(id));
      await db.$transaction(async (tx) => {
        const [run] = await tx.$queryRaw<
          Pick<Run, "status" | "sweepId">[]
        >`SELECT status, "sweepId" FROM "Run" WHERE id = ${runId}::uuid FOR UPDATE`;
        if (!run) throw notFound("run", String(id));
        if (run.status === "RUNNING") throw conflict(`run ${id} is RUNNING: cancel it first, then delete it`);
        // A queued run's job goes with it, and its sweep moves on if the run was all its rung waited for.
        await removeJobsOf(tx, [runId]);
        await tx.run.delete({ where: { id: runId } });
        // Its subscribers re-read it, find it gone, and their streams end.
        await publish(tx, rereadRun(runId), runsChanged({ runId, kind: "deleted" }));
        if (run.sweepId) await enqueueAdvanceSweep(tx, run.sweepId);
      });
      return String(id);
    },
  }),
  reproduceRun: t.prismaField({
    type: "Run",
    description:
      "Queues a new run with a SUCCEEDED run's seed and hyperparameters (reproducedFrom links them). When it succeeds, its per-iteration losses and final parameters are compared bit for bit with the original's: see Run.reproduction.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, ctx) => {
      const { db } = ctx;
      const { id: originalId } = await findRun(db, String(id));
      const original = await db.run.findUniqueOrThrow({ where: { id: originalId } });
      if (original.status !== "SUCCEEDED")
        throw conflict(
          `run ${id} is ${original.status}: only a SUCCEEDED run has the complete losses a reproduction is compared with`,
        );
      const hp = hyperparametersOf(original);
      // A fork's losses up to its epoch are its parent's, trained with the parent's settings, and its
      // schedule starts at that epoch: retrained from scratch it would "differ" from iteration 1. So
      // it is retrained as it was made: forked again from the same epoch, with the same settings.
      if (original.forkedAtEpoch !== null) {
        const epoch = original.forkedAtEpoch;
        const parentId = original.forkedFromId;
        const checkpoint = parentId
          ? await db.epochCheckpoint.findUnique({
              where: { runId_epoch: { runId: parentId, epoch } },
              select: { iteration: true },
            })
          : null;
        if (!parentId || !checkpoint)
          throw conflict(
            `run ${id} is a fork of ${parentId ? `run ${parentId}` : "a run since deleted"} after epoch ${epoch}, ` +
              `and ${parentId ? `that run no longer keeps epoch ${epoch}'s checkpoint` : "its checkpoint went with it"}: ` +
              "a fork is retrained from there, so this one cannot be reproduced",
          );
        return createFork(ctx, query, {
          parentId,
          parentLabel: parentId,
          epoch,
          at: checkpoint.iteration,
          hp,
          learningRateFromEpoch: original.learningRateFromEpoch,
          name: original.name,
          reproducedFromId: original.id,
          paths: { batchSize: ["id"], hiddenSize: ["id"], parent: ["id"] },
          data: dataOf(original),
        });
      }
      checkTrainerFits(
        await liveTrainers(db, ctx.reapPolicy.timeoutMs),
        hp,
        { batchSize: ["id"], hiddenSize: ["id"] },
        { identity: dataOf(original), path: ["id"] },
      );
      return admitted(ctx, 1, () =>
        db.$transaction(async (tx) => {
          const run = await tx.run.create({
            ...query,
            // (On the original's data: elsewhere it could not be the same run.)
            data: {
              ...hp,
              ...dataOf(original),
              name: original.name,
              reproducedFromId: original.id,
              queuedBy: ctx.queuedBy,
            },
          });
          await enqueueTrain(tx, run.id);
          await publishRunsChanged(tx, { runId: run.id, kind: "created" });
          await checkQueueRoom(tx, 1, ctx);
          return run;
        }),
      );
    },
  }),
  evaluateTest: t.prismaField({
    type: "Run",
    description: "Evaluates a finished run's checkpoint on the test set; testAcc arrives on runEvents.",
    args: { runId: t.arg.id({ required: true }) },
    resolve: async (query, _root, { runId }, { db }) => {
      const run = await findRun(db, String(runId), "runId");
      if (run.status !== "SUCCEEDED")
        throw conflict(`run ${runId} is ${run.status}: only a SUCCEEDED run has a checkpoint to evaluate`);
      await db.$transaction((tx) => enqueueEvaluate(tx, run.id));
      return db.run.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
}));
