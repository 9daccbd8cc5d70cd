// Sweep: a hyperparameter search whose trials are Runs — grid, random or successive halving.
import { type Db, type Prisma, type Sweep, SweepStrategy } from "@trainql/db";
import { isRange, RANGE_SCALES, type SearchRange } from "@trainql/nn";
import { DEFAULT_HYPERPARAMETERS } from "@trainql/nn/hyperparameters";
import { isIntegerKnob, RANGE_FIELDS, SPACE_KNOBS } from "@trainql/nn/searchSpace";
import {
  ASSUMED_NUM_TRAIN,
  DEFAULT_RANGE_SCALE,
  defaultListOf,
  largestOf,
  SWEEP_DEFAULTS,
  SWEEP_FIELDS,
  sweepSettingsSchema,
} from "@trainql/nn/sweepRules";
import {
  cancelRunIn,
  enqueueTrain,
  liveTrainers,
  planSweep,
  publish,
  publishRunsChanged,
  publishSweepChanged,
  readSweepConfig,
  removeJobsOf,
  rereadRun,
  runsChanged,
  type SweepConfig,
  stopPausedTrials,
  sweepDeleted,
} from "@trainql/runs";
import { QUEUED_ORDER } from "@trainql/runs/trialRanking";
import { admitted, checkQueueRoom } from "../security/admission.ts";
import { builder } from "./builder.ts";
import { conflict, notFound } from "./errors.ts";
import { uuidFrom } from "./ids.ts";
import { connectionArgsOf, PAGE_SIZES, pageFromLiveCursor } from "./pagination.ts";
import { earlierAnswer, RequestId, requestIdAbout, requestOf } from "./requestId.ts";
import { RunStatusEnum } from "./run.ts";
import { checkTrainerFits } from "./trainerFit.ts";

/**
 * startSweep's and deleteSweep's transactions: up to 1,000 runs, each written, queued and announced
 * (three statements each), or deleted with all they kept, may outlast Prisma's default 5 s on a busy
 * machine, and the sweep would be refused with an error that names nothing.
 */
const TRANSACTION = { timeout: 60_000 };

const StrategyEnum = builder.enumType("SweepStrategy", {
  values: Object.values(SweepStrategy),
  description:
    "GRID: every combination. RANDOM: maxTrials of them. SUCCESSIVE_HALVING: all (or maxTrials), halved by validation accuracy at growing budgets.",
});

const RangeScaleEnum = builder.enumType("RangeScale", {
  values: RANGE_SCALES,
  description: "LOG: uniform in the logarithm, as many trials per decade (min above 0). LINEAR: uniform.",
});

const RangeRef = builder.objectRef<SearchRange>("SearchRange").implement({
  description: "A knob's values drawn at random between min and max, both included.",
  fields: (t) => ({
    min: t.exposeFloat("min"),
    max: t.exposeFloat("max"),
    scale: t.expose("scale", { type: RangeScaleEnum }),
  }),
});

const DRAWN = "; with a range, the values its trials drew, ascending.";
const SpaceRef = builder.objectRef<Pick<SweepConfig, "space" | "ranges">>("SearchSpace").implement({
  description: "Per knob, the values tried, and the range they were drawn from if they were.",
  fields: (t) =>
    Object.fromEntries([
      ...SPACE_KNOBS.map((knob) => {
        const field = {
          description: `The values given${DRAWN}`,
          resolve: (c: Pick<SweepConfig, "space">) => c.space[knob],
        };
        return [knob, isIntegerKnob(knob) ? t.intList(field) : t.floatList(field)];
      }),
      ...SPACE_KNOBS.map((knob) => [
        RANGE_FIELDS[knob],
        t.field({ type: RangeRef, nullable: true, resolve: (c) => c.ranges?.[knob] }),
      ]),
    ]),
});

const RungRef = builder.objectRef<{ rung: number; budget: number; trials: number }>("SweepRung").implement({
  description: "A successive-halving rung: `trials` trials train up to `budget` iterations.",
  fields: (t) => ({ rung: t.exposeInt("rung"), budget: t.exposeInt("budget"), trials: t.exposeInt("trials") }),
});

/** The sweep's settings, as startSweep stored them, read once per sweep a query loads (by the fields that select `config`). */
const configs = new WeakMap<object, SweepConfig>();
function config(sweep: { id: string; config: Prisma.JsonValue }): SweepConfig {
  const known = configs.get(sweep);
  if (known) return known;
  const read = readSweepConfig(sweep);
  configs.set(sweep, read);
  return read;
}
const CONFIG = { id: true, config: true } as const;

// Select mode, as Run: a query reads `id` and what the requested fields need.
builder.prismaNode("Sweep", {
  id: { field: "id" },
  // node(id:) of an id that is not (or no longer) there is null, as Relay has it, not an error.
  nullable: true,
  select: { id: true },
  fields: (t) => ({
    uuid: t.exposeString("id"),
    status: t.expose("status", { type: RunStatusEnum }),
    strategy: t.expose("strategy", { type: StrategyEnum }),
    space: t.field({ type: SpaceRef, select: CONFIG, resolve: (s) => config(s) }),
    numIters: t.int({ select: CONFIG, resolve: (s) => config(s).numIters }),
    batchSize: t.int({ select: CONFIG, resolve: (s) => config(s).batchSize }),
    seed: t.int({ select: CONFIG, resolve: (s) => config(s).seed }),
    maxTrials: t.int({ nullable: true, select: CONFIG, resolve: (s) => config(s).maxTrials }),
    eta: t.int({
      nullable: true,
      select: { ...CONFIG, strategy: true },
      description: `${SWEEP_FIELDS.eta.about} Null for GRID and RANDOM, which have no use for it (startSweep ignores one given with them).`,
      // (Stored whatever the strategy, unchecked where it means nothing: an eta of -7 given with GRID read back as -7.)
      resolve: (s) => (s.strategy === "SUCCESSIVE_HALVING" ? config(s).eta : null),
    }),
    rungs: t.field({ type: [RungRef], select: CONFIG, resolve: (s) => config(s).rungs }),
    seeds: t.intList({
      nullable: true,
      select: CONFIG,
      description: "Each trial trains once per seed (a RunGroup per trial); null: once, with `seed`.",
      resolve: (s) => config(s).seeds ?? null,
    }),
    groups: t.relation("groups", {
      query: { orderBy: QUEUED_ORDER },
      description:
        "With seeds: one group per trial, in the order queued. bestRun's group is the first of those with a SUCCEEDED member when ranked by members without a result (stats.members − stats.finalValAcc.n: a FAILED or CANCELLED member counts against its group), fewest first, then by stats.finalValAcc.mean; successive halving ranks its rungs the same way.",
    }),
    rung: t.exposeInt("rung", { description: "The rung in progress (successive halving)." }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    error: t.exposeString("error", { nullable: true }),
    // Loaded with the sweeps (one query for all sweeps of a page), by the index on (sweepId, createdAt, id).
    trials: t.relation("runs", { query: { orderBy: QUEUED_ORDER } }),
    bestRun: t.prismaField({
      type: "Run",
      nullable: true,
      description:
        "The trial with the highest validation accuracy (set when the sweep ends); its test accuracy is evaluated once. With seeds: the best member of the best group, whose every SUCCEEDED member is evaluated (see `groups`).",
      select: { bestRunId: true },
      // Prisma batches the findUnique calls of one tick (a page of sweeps) into one query.
      resolve: (query, s, _args, { db }) =>
        s.bestRunId ? db.run.findUnique({ ...query, where: { id: s.bestRunId } }) : null,
    }),
    // Iteration totals are Floats (whole numbers): a grid of 64 values per knob at a million iterations
    // each passes GraphQL's 32-bit Int, and the sweep, already written, came back as an error.
    itersSpent: t.float({
      description: "Iterations trained so far by all trials together (a whole number).",
      // The trials' iteration counts, loaded with the sweeps rather than one aggregate query per sweep.
      // Ordered as `trials` is, so that asking for both reads the trials once (equal arguments merge).
      select: { runs: { select: { iteration: true }, orderBy: QUEUED_ORDER } },
      resolve: (s) => s.runs.reduce((sum, run) => sum + run.iteration, 0),
    }),
    plannedIters: t.float({
      description: "Iterations the plan trains if every trial completes, every seed counted (a whole number).",
      select: CONFIG,
      resolve: (s) => config(s).plannedIters,
    }),
    gridIters: t.float({
      description:
        "What the full grid would train: every combination for numIters, every seed counted; with a range, every trial drawn (a whole number).",
      select: CONFIG,
      resolve: (s) => config(s).gridIters,
    }),
  }),
});

/** A sweep's id, by a Sweep ID or UUID; NOT_FOUND if there is none. */
async function findSweep(db: Db, id: string, field = "id"): Promise<Pick<Sweep, "id">> {
  const sweep = await db.sweep.findUnique({ where: { id: uuidFrom("Sweep", id, field) }, select: { id: true } });
  if (!sweep) throw notFound("sweep", id);
  return sweep;
}

// Types, defaults and docs from the sweep's schema (@trainql/nn/sweepRules), which also validates it.
const about = (field: keyof typeof SWEEP_FIELDS) => SWEEP_FIELDS[field].about;

const RangeInput = builder.inputType("SearchRangeInput", {
  description: "Values drawn at random between min and max (RANDOM or SUCCESSIVE_HALVING, maxTrials times).",
  fields: (t) => ({
    min: t.float({ required: true }),
    max: t.float({ required: true }),
    scale: t.field({ type: RangeScaleEnum, defaultValue: DEFAULT_RANGE_SCALE }),
  }),
});

// Each knob is a list or a range: one of the two, checked by the sweep's schema (GraphQL 16 has no
// input union). The decays default to a list, unless their range is given.
const SpaceInput = builder.inputType("SearchSpaceInput", {
  fields: (t) =>
    Object.fromEntries(
      SPACE_KNOBS.flatMap((knob) => {
        const fallback = defaultListOf(knob);
        const list = { description: `${about(knob)}${fallback ? ` Default: [${fallback}].` : ""}` };
        return [
          [knob, isIntegerKnob(knob) ? t.intList(list) : t.floatList(list)],
          [RANGE_FIELDS[knob], t.field({ type: RangeInput, description: `Instead of ${knob}: a range to draw from.` })],
        ];
      }),
    ),
});

const StartSweepInput = builder.inputType("StartSweepInput", {
  fields: (t) => ({
    space: t.field({ type: SpaceInput, required: true }),
    strategy: t.field({ type: StrategyEnum, required: true }),
    numIters: t.int({ defaultValue: SWEEP_DEFAULTS.numIters, description: about("numIters") }),
    batchSize: t.int({ defaultValue: SWEEP_DEFAULTS.batchSize, description: about("batchSize") }),
    seed: t.int({ defaultValue: SWEEP_DEFAULTS.seed, description: about("seed") }),
    weightScale: t.float({ defaultValue: SWEEP_DEFAULTS.weightScale }),
    maxTrials: t.int({ required: false, description: about("maxTrials") }),
    eta: t.int({ defaultValue: SWEEP_DEFAULTS.eta, description: about("eta") }),
    seeds: t.intList({ required: false, description: about("seeds") }),
    requestId: t.string({ required: false, description: requestIdAbout("startSweep") }),
  }),
});

builder.queryFields((t) => ({
  sweep: t.prismaField({
    type: "Sweep",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _r, { id }, { db }) => {
      const sweep = await db.sweep.findUnique({ ...query, where: { id: uuidFrom("Sweep", String(id)) } });
      if (!sweep) throw notFound("sweep", String(id));
      return sweep;
    },
  }),
  sweeps: t.prismaConnection({
    type: "Sweep",
    cursor: "id",
    validate: connectionArgsOf(PAGE_SIZES.QuerySweepsConnection),
    ...PAGE_SIZES.QuerySweepsConnection,
    description: "Sweeps, newest first.",
    // Newest first, ending in `id` so that the order is total; served by Sweep's (createdAt, id) index.
    resolve: async (query, _root, args, { db }) => {
      const page = await db.sweep.findMany({ ...query, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      return pageFromLiveCursor(args, page, async (id) => (await db.sweep.count({ where: { id } })) > 0);
    },
  }),
}));

builder.mutationFields((t) => ({
  startSweep: t.prismaField({
    type: "Sweep",
    description: "Queues every trial of a hyperparameter search and returns the sweep at once.",
    args: {
      input: t
        .arg({ type: StartSweepInput, required: true })
        .validate(sweepSettingsSchema("checked later").extend({ requestId: RequestId })),
    },
    resolve: async (query, _root, { input: { requestId, ...settings } }, ctx) => {
      const { db } = ctx;
      const request = requestOf(requestId, settings);
      // Sent again: the sweep the first one queued, without the checks a new sweep passes.
      const earlier = request && (await earlierAnswer(db, "startSweep", ctx.queuedBy, request, false));
      const replayed = earlier && (await db.sweep.findUnique({ ...query, where: { id: earlier } }));
      if (replayed) return replayed;
      const { strategy, numIters, batchSize, seed, weightScale } = settings;
      const base = { numIters, batchSize, seed, weightScale };
      const { hiddenSizes } = settings.space;
      // Checked with the largest hidden size: the trial that needs the most memory must fit a trainer too.
      const trainers = await liveTrainers(db, ctx.reapPolicy.timeoutMs);
      checkTrainerFits(
        trainers,
        { ...DEFAULT_HYPERPARAMETERS, ...base, hiddenSize: largestOf(hiddenSizes) },
        {
          batchSize: ["input", "batchSize"],
          hiddenSize: ["input", "space", isRange(hiddenSizes) ? RANGE_FIELDS.hiddenSizes : "hiddenSizes"],
        },
      );
      const { config, trials } = planSweep(settings, trainers[0]?.numTrain ?? ASSUMED_NUM_TRAIN);
      const seeds = settings.seeds;
      const added = trials.length * (seeds?.length ?? 1);
      const firstBudget = config.rungs[0]!.budget;
      return admitted(ctx, added, () =>
        db.$transaction(async (tx) => {
          // Sent twice at once: the second waits for the first's commit, and answers with its sweep.
          const committed = request && (await earlierAnswer(tx, "startSweep", ctx.queuedBy, request, true));
          if (committed) return tx.sweep.findUniqueOrThrow({ ...query, where: { id: committed } });
          const sweep = await tx.sweep.create({
            data: { status: "RUNNING", strategy, config: config as object, queuedBy: ctx.queuedBy, ...request },
          });
          for (const trial of trials) {
            const groupId = seeds
              ? (await tx.runGroup.create({ data: { sweepId: sweep.id }, select: { id: true } })).id
              : null;
            for (const trialSeed of seeds ?? [seed]) {
              const run = await tx.run.create({
                data: {
                  ...base,
                  ...trial,
                  seed: trialSeed,
                  groupId,
                  sweepId: sweep.id,
                  queuedBy: ctx.queuedBy,
                  budgetIters: strategy === "SUCCESSIVE_HALVING" && firstBudget < base.numIters ? firstBudget : null,
                },
              });
              await enqueueTrain(tx, run.id);
              await publishRunsChanged(tx, { runId: run.id, kind: "created" });
            }
          }
          await publishSweepChanged(tx, sweep.id);
          await checkQueueRoom(tx, added, ctx);
          // Read back in the transaction, with what the document asks for: the sweep and its trials as queued.
          return tx.sweep.findUniqueOrThrow({ ...query, where: { id: sweep.id } });
        }, TRANSACTION),
      );
    },
  }),
  cancelSweep: t.prismaField({
    type: "Sweep",
    description: "Cancels a sweep's queued and running trials; finished trials are kept.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (query, _root, { id }, { db, reapPolicy }) => {
      const found = await findSweep(db, String(id));
      return db.$transaction(async (tx) => {
        const [locked] = await tx.$queryRaw<
          { status: string }[]
        >`SELECT status::text AS status FROM "Sweep" WHERE id = ${found.id}::uuid FOR NO KEY UPDATE`;
        if (locked?.status !== "RUNNING")
          throw conflict(`sweep ${id} already ended (${locked?.status}); there is nothing to cancel`);
        await tx.sweep.update({
          where: { id: found.id },
          data: { status: "CANCELLED", finishedAt: new Date() },
          select: { id: true },
        });
        // Each trial as cancelRun would: queued ones and those no live trainer holds end now; running
        // ones are flagged, so that the reaper ends rather than re-queues them should their trainer die.
        const trials = await tx.run.findMany({
          where: { sweepId: found.id, status: { in: ["QUEUED", "RUNNING"] } },
          select: { id: true },
        });
        for (const trial of trials) await cancelRunIn(tx, trial.id, reapPolicy);
        await stopPausedTrials(tx, found.id);
        await publishSweepChanged(tx, found.id);
        // Read back last, so that its trials show the cancellation.
        return tx.sweep.findUniqueOrThrow({ ...query, where: { id: found.id } });
      });
    },
  }),
  deleteSweep: t.field({
    type: "ID",
    description:
      "Deletes an ended sweep with its trials, their metrics and checkpoints, and its seed groups. Returns its ID. Runs made from a trial (reproductions, forks) stay. Refused while the sweep runs (cancelSweep first) or a trial is still stopping.",
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, { db }) => {
      const found = await findSweep(db, String(id));
      await db.$transaction(async (tx) => {
        // NO KEY UPDATE, as cancelSweep and advanceSweep lock it (see the deadlock there).
        const [locked] = await tx.$queryRaw<
          { status: string }[]
        >`SELECT status::text AS status FROM "Sweep" WHERE id = ${found.id}::uuid FOR NO KEY UPDATE`;
        if (!locked) throw notFound("sweep", String(id));
        if (locked.status === "RUNNING")
          throw conflict(`sweep ${id} is RUNNING: cancel it first (cancelSweep), then delete it`);
        const trials = await tx.run.findMany({ where: { sweepId: found.id }, select: { id: true, status: true } });
        // Cancelled, but its trainer has not stopped it yet (it still writes to the run).
        const stopping = trials.find((trial) => trial.status === "RUNNING");
        if (stopping)
          throw conflict(`sweep ${id}'s trial ${stopping.id} is still stopping: delete the sweep once it has`);
        const ids = trials.map((trial) => trial.id);
        await removeJobsOf(tx, ids, found.id);
        await tx.run.deleteMany({ where: { sweepId: found.id } });
        await tx.sweep.delete({ where: { id: found.id } });
        // Each trial's subscribers re-read it and find it gone, as with deleteRun; so do the sweep's.
        await publish(
          tx,
          ...ids.flatMap((runId) => [rereadRun(runId), runsChanged({ runId, kind: "deleted" })]),
          sweepDeleted(found.id),
        );
      }, TRANSACTION);
      return String(id);
    },
  }),
}));

const SweepEvent = builder.objectRef<{ sweepId: string }>("SweepEvent").implement({
  description: "The sweep as it is now, after any change to it or its trials.",
  fields: (t) => ({
    sweep: t.prismaField({
      type: "Sweep",
      resolve: (query, e, _args, { db }) => db.sweep.findUniqueOrThrow({ ...query, where: { id: e.sweepId } }),
    }),
  }),
});

builder.subscriptionFields((t) => ({
  sweepEvents: t.field({
    type: SweepEvent,
    description: "The sweep now, then again after every change (trials starting, epochs, promotions, the best model).",
    args: { sweepId: t.arg.id({ required: true }) },
    subscribe: async (_root, { sweepId }, { db, pubsub }) => {
      const sweep = await findSweep(db, String(sweepId), "sweepId");
      const changes = await pubsub.listen("trainql:sweep", sweep.id);
      return (async function* () {
        try {
          yield { sweepId: sweep.id };
          for await (const change of changes) {
            // Deleted (deleteSweep): the stream ends, as a deleted run's does. After notifications
            // were missed (a resync), whether it still exists is read.
            const gone =
              "type" in change ? (await db.sweep.count({ where: { id: sweep.id } })) === 0 : change.deleted === true;
            if (gone) return;
            yield { sweepId: sweep.id };
          }
        } finally {
          await changes.return(undefined);
        }
      })();
    },
    resolve: (event: { sweepId: string }) => event,
  }),
}));
