// forkRun: a new run that starts from another run's parameters at one of its kept epochs (see
// Run.checkpointEpochs) and trains on with a different learning rate, decay, regularization or length.
//
// The fork is a run resumed from a checkpoint, as after a trainer crash: it is created with the
// parent's epoch-k checkpoint as its own, and with the parent's history up to there (losses, epochs,
// weights images) copied, so its curves continue the parent's everywhere a run's curves are drawn, and
// outlive the parent. The trainer resumes it like any resumed run. Minibatches are a pure function of
// (seed, iteration), so a fork that changes nothing reproduces the parent's later iterations bit for bit.
//
// The learning rate: left out (and the decay too), the fork follows the parent's schedule. Otherwise
// the schedule starts afresh at the fork's first epoch k + 1: its iterations use `learningRate` (left
// out: the rate the parent used there), and each later epoch multiplies it by the (new) decay.
import type { Prisma, Run } from "@trainql/db";
import {
  FORK_CHANGES,
  FORK_INHERITED,
  type ForkChange,
  HYPERPARAMETERS,
  type Hyperparameters,
} from "@trainql/nn/hyperparameters";
import { integerAtLeast, type Problem } from "@trainql/nn/validation";
import {
  appendLosses,
  type DataIdentity,
  dataOf,
  enqueueTrain,
  hyperparametersOf,
  liveTrainers,
  publishRunsChanged,
  readLosses,
} from "@trainql/runs";
import { z } from "zod";
import { admitted, checkQueueRoom } from "../security/admission.ts";
import { builder, type Context } from "./builder.ts";
import { conflict, invalidInput, notFound } from "./errors.ts";
import { uuidFrom } from "./ids.ts";
import { RunName } from "./runLabels.ts";
import { checkTrainerFits, type FitPaths } from "./trainerFit.ts";

/** The hyperparameters forkRun takes (FORK_CHANGES, then FORK_INHERITED), each described as a fork means it. */
const FORK_KNOBS = {
  learningRate:
    "The rate of the fork's first epoch (k + 1), decaying from there. Left out with the decay: the parent's schedule goes on; left out alone: the rate the parent had reached.",
  learningRateDecay: HYPERPARAMETERS.learningRateDecay.about,
  reg: HYPERPARAMETERS.reg.about,
  numIters: "The fork's total iterations, counting the parent's before it.",
  hiddenSize: "Inherited (the checkpoint has the parent's shape); given, it must equal the parent's.",
  batchSize: "Inherited (it fixes the epochs' length); given, it must equal the parent's.",
} as const satisfies Record<ForkChange | (typeof FORK_INHERITED)[number], string>;
const FORK_KNOB_NAMES = [...FORK_CHANGES, ...FORK_INHERITED];

const ForkRunSchema = z.object({
  runId: z.string(),
  epoch: integerAtLeast(0),
  name: RunName,
  ...(Object.fromEntries(FORK_KNOB_NAMES.map((name) => [name, HYPERPARAMETERS[name].rule.nullish()])) as Record<
    keyof typeof FORK_KNOBS,
    z.ZodOptional<z.ZodNullable<z.ZodNumber>>
  >),
});

const ForkRunInput = builder.inputType("ForkRunInput", {
  description: "Where to fork from, and what to change; anything left out is the parent's.",
  fields: (t) => ({
    runId: t.id({ required: true, description: "The run to fork (its ID or UUID)." }),
    epoch: t.int({ required: true, description: "One of the parent's checkpointEpochs: the fork starts after it." }),
    name: t.string({ required: false, description: "Optional: what to call the fork." }),
    ...Object.fromEntries(
      FORK_KNOB_NAMES.map((name) => {
        const options = { required: false, description: FORK_KNOBS[name] } as const;
        return [name, HYPERPARAMETERS[name].rule.isInt ? t.int(options) : t.float(options)];
      }),
    ),
  }),
});

const problem = (field: string, message: string): Problem => ({ path: ["input", field], message, whole: true });

builder.mutationFields((t) => ({
  forkRun: t.prismaField({
    type: "Run",
    description:
      "Queues a new run that starts from a run's parameters at one of its checkpointEpochs, with a new learning rate, decay, regularization or length; its history up to that epoch is the parent's.",
    args: { input: t.arg({ type: ForkRunInput, required: true }).validate(ForkRunSchema) },
    resolve: async (query, _root, { input }, ctx) => {
      const { db } = ctx;
      const parentId = uuidFrom("Run", String(input.runId), "input.runId");
      const parent = await db.run.findUnique({ where: { id: parentId } });
      if (!parent) throw notFound("run", String(input.runId));
      const problems: Problem[] = [];
      for (const field of FORK_INHERITED) {
        const given = input[field];
        if (given != null && given !== parent[field])
          problems.push(
            problem(
              field,
              `${field} cannot change in a fork (the parent's is ${parent[field]}, got ${given}): leave it out, or start a new run`,
            ),
          );
      }
      const checkpoint = await db.epochCheckpoint.findUnique({
        where: { runId_epoch: { runId: parentId, epoch: input.epoch } },
        select: { iteration: true },
      });
      if (!checkpoint) {
        const kept = await db.epochCheckpoint.findMany({
          where: { runId: parentId },
          select: { epoch: true },
          orderBy: { epoch: "asc" },
        });
        const which = kept.length ? `its kept epochs are ${kept.map((k) => k.epoch).join(", ")}` : "it keeps none yet";
        problems.push(
          problem(
            "epoch",
            `run ${input.runId} has no checkpoint at epoch ${input.epoch}: ${which} (Run.checkpointEpochs)`,
          ),
        );
      }
      const totalIters = input.numIters ?? parent.numIters;
      if (checkpoint && totalIters <= checkpoint.iteration)
        problems.push(
          problem(
            "numIters",
            `numIters must be more than the ${checkpoint.iteration} iterations done at epoch ${input.epoch}; got ${totalIters}`,
          ),
        );
      if (problems.length > 0 || !checkpoint) throw invalidInput(problems);

      const newSchedule =
        input.learningRate != null ||
        (input.learningRateDecay != null && input.learningRateDecay !== parent.learningRateDecay);
      const startEpoch = input.epoch + 1;
      const hp = {
        ...hyperparametersOf(parent),
        learningRate: newSchedule
          ? (input.learningRate ??
            parent.learningRate * parent.learningRateDecay ** Math.max(0, startEpoch - parent.learningRateFromEpoch))
          : parent.learningRate,
        learningRateDecay: input.learningRateDecay ?? parent.learningRateDecay,
        reg: input.reg ?? parent.reg,
        numIters: totalIters,
      };
      return createFork(ctx, query, {
        parentId,
        parentLabel: String(input.runId),
        epoch: input.epoch,
        at: checkpoint.iteration,
        hp,
        learningRateFromEpoch: newSchedule ? startEpoch : parent.learningRateFromEpoch,
        name: input.name || null,
        paths: { batchSize: ["input", "batchSize"], hiddenSize: ["input", "hiddenSize"], parent: ["input", "runId"] },
        data: dataOf(parent),
      });
    },
  }),
}));

/** A fork to queue: after which epoch of which run, and how it trains on from there. */
export interface ForkPlan {
  parentId: string;
  /** The parent as the caller named it (for messages). */
  parentLabel: string;
  epoch: number;
  /** The iteration the parent's checkpoint of `epoch` was taken at. */
  at: number;
  hp: Hyperparameters;
  learningRateFromEpoch: number;
  name: string | null;
  /** Set when the fork retrains another fork, to compare with it (reproduceRun). */
  reproducedFromId?: string;
  /** Where in the input the checks of a trainer's fit point; `parent`, at the run whose data set the fork trains on. */
  paths: FitPaths & { parent: string[] };
  /** The parent's data set (the checkpoint was trained on it): the fork's, which only a trainer with it trains. */
  data: DataIdentity;
}

/**
 * Queues a fork: checks that a trainer can train it and that the queue has room, then, in one
 * transaction, creates it with the parent's history up to the epoch (losses, epochs, weights images, backends)
 * and the parent's checkpoint of that epoch as its own. forkRun's, and reproduceRun's for a fork.
 */
export async function createFork(
  ctx: Context,
  query: { select?: Prisma.RunSelect; include?: Prisma.RunInclude },
  plan: ForkPlan,
): Promise<Run> {
  const { db } = ctx;
  const { parentId, parentLabel, epoch, at, hp } = plan;
  checkTrainerFits(await liveTrainers(db, ctx.reapPolicy.timeoutMs), hp, plan.paths, {
    identity: plan.data,
    path: plan.paths.parent,
  });
  const redoing = () => conflict(`run ${parentLabel} is redoing epoch ${epoch}: fork it when it is back`);
  return admitted(ctx, 1, async () => {
    // Written before the parent's checkpoint at `at`, so no rewind of the parent can change them.
    const losses = await readLosses(db, parentId, 0, at);
    // (Fewer only if the parent was rewound meanwhile, its trainer lost: its epoch k is being redone.)
    if (losses.length !== at) throw redoing();
    return db.$transaction(
      async (tx) => {
        const history = await tx.epochMetric.findMany({ where: { runId: parentId, epoch: { lte: epoch } } });
        const image = await tx.weightsImage.findFirst({
          where: { runId: parentId, epoch: { lte: epoch } },
          orderBy: { epoch: "desc" },
          select: { epoch: true },
        });
        const fork = await tx.run.create({
          data: {
            ...hp,
            ...dataOf(plan.data),
            name: plan.name,
            forkedFromId: parentId,
            forkedAtEpoch: epoch,
            learningRateFromEpoch: plan.learningRateFromEpoch,
            reproducedFromId: plan.reproducedFromId ?? null,
            queuedBy: ctx.queuedBy,
            iteration: at,
            bestValAcc: history.length ? Math.max(...history.map((e) => e.valAcc)) : null,
            weightsEpoch: image?.epoch ?? null,
          },
          select: { id: true },
        });
        await tx.epochMetric.createMany({ data: history.map((e) => ({ ...e, runId: fork.id })) });
        await tx.$executeRaw`INSERT INTO "WeightsImage" ("runId", "epoch", "png")
        SELECT ${fork.id}::uuid, "epoch", "png" FROM "WeightsImage" WHERE "runId" = ${parentId}::uuid AND "epoch" <= ${epoch}`;
        const copied = await tx.$executeRaw`INSERT INTO "Checkpoint" ("runId", "iteration", "data")
        SELECT ${fork.id}::uuid, "iteration", "data" FROM "EpochCheckpoint" WHERE "runId" = ${parentId}::uuid AND "epoch" = ${epoch}`;
        if (copied !== 1) throw redoing();
        await tx.$executeRaw`INSERT INTO "BackendSpan" ("runId", "fromIteration", "backend", "device")
        SELECT ${fork.id}::uuid, "fromIteration", "backend", "device" FROM "BackendSpan" WHERE "runId" = ${parentId}::uuid AND "fromIteration" < ${at}`;
        await appendLosses(tx, fork.id, 0, Array.from(losses));
        await enqueueTrain(tx, fork.id);
        await publishRunsChanged(tx, { runId: fork.id, kind: "created" });
        await checkQueueRoom(tx, 1, ctx);
        return tx.run.findUniqueOrThrow({ ...query, where: { id: fork.id } });
      },
      // The copy holds a checkpoint (up to 32 MiB) and the parent's losses.
      { timeout: 60_000 },
    );
  });
}
