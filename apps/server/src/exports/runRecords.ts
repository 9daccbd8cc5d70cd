// What a run, a comparison or a sweep exports: read once from the database, written as JSON or as
// CSV. The CSV is one long ("tidy") table so that one file holds runs of any length side by side and
// loads straight into pandas or a spreadsheet: one row per iteration (`record` = "iteration": its
// loss) and one per epoch (`record` = "epoch": its metrics), each row carrying its run's id, name and
// hyperparameters. Numbers are written as JavaScript prints them: the shortest text that reads back
// to the same double, so a float32 loss parses back to exactly the value stored.
import type { Db, Run } from "@trainql/db";
import { type ConfusionCounts, confusionFromFlat, type EpochMetrics } from "@trainql/nn";
import { HYPERPARAMETER_NAMES, type HyperparameterName, type Hyperparameters } from "@trainql/nn/hyperparameters";
import { hyperparametersOf, readLosses } from "@trainql/runs";
import { QUEUED_ORDER } from "@trainql/runs/trialRanking";
import { mistakeImagePath } from "./mistakeImage.ts";

/** The run columns an export shows, besides its hyperparameters. */
const RUN_COLUMNS = {
  id: true,
  name: true,
  tags: true,
  note: true,
  status: true,
  backend: true,
  device: true,
  iteration: true,
  finalValAcc: true,
  valConfusion: true,
  bestValAcc: true,
  testAcc: true,
  testConfusion: true,
  sweepId: true,
  createdAt: true,
  startedAt: true,
  finishedAt: true,
  ...(Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, true])) as Record<HyperparameterName, true>),
} as const;

type RunRow = Pick<Run, keyof typeof RUN_COLUMNS | HyperparameterName>;

/** One of valConfusion's kept mistakes (Run.valMistakes in the API), its image by address. */
export interface MistakeRecord {
  /** The image's row in the validation set. */
  index: number;
  trueClass: number;
  predictedClass: number;
  /** The softmax probability the run gave predictedClass. */
  confidence: number;
  /** The 32 × 32 PNG, a path on the API's server. */
  imageUrl: string;
}

/** A run as its JSON export: `losses[i]` is the loss of iteration i (as stored, float32). */
export interface RunRecord {
  id: string;
  name: string | null;
  tags: string[];
  note: string | null;
  status: string;
  hyperparameters: Hyperparameters;
  backend: string | null;
  device: string | null;
  iteration: number;
  finalValAcc: number | null;
  /** finalValAcc's confusion matrix (@trainql/nn's: [true class][predicted class]). */
  valConfusion: ConfusionCounts | null;
  bestValAcc: number | null;
  testAcc: number | null;
  /** testAcc's, as valConfusion. */
  testConfusion: ConfusionCounts | null;
  /** The validation images the run was surest of and wrong, a few per cell of valConfusion. */
  valMistakes: MistakeRecord[];
  sweepId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  epochs: EpochMetrics[];
  losses: number[];
}

/** A sweep's trial as a row of its trials table (no curves: those are the runs' own exports). */
export type TrialRecord = Omit<RunRecord, "epochs" | "losses" | "note" | "valMistakes">;

function summaryOf(run: RunRow): Omit<RunRecord, "epochs" | "losses" | "valMistakes"> {
  const { id, name, tags, note, status, backend, device, iteration, finalValAcc, bestValAcc, testAcc } = run;
  const { sweepId, createdAt, startedAt, finishedAt } = run;
  return {
    id,
    name,
    tags,
    note,
    status,
    hyperparameters: hyperparametersOf(run),
    backend,
    device,
    iteration,
    finalValAcc,
    valConfusion: confusionFromFlat(run.valConfusion),
    bestValAcc,
    testAcc,
    testConfusion: confusionFromFlat(run.testConfusion),
    sweepId,
    createdAt,
    startedAt,
    finishedAt,
  };
}

/** A run as read before its losses (up to 1,000,000 of them: read one run at a time, see withLosses). */
export type RunHead = Omit<RunRecord, "losses">;

/**
 * The runs with these ids, in the order given, without their losses; the ids not found are
 * returned apart.
 */
export async function readRuns(db: Db, ids: string[]): Promise<{ runs: RunHead[]; missing: string[] }> {
  const rows = await db.run.findMany({
    where: { id: { in: ids } },
    select: {
      ...RUN_COLUMNS,
      valMistakes: {
        select: { index: true, trueClass: true, predictedClass: true, confidence: true },
        orderBy: [{ trueClass: "asc" }, { predictedClass: "asc" }, { confidence: "desc" }, { index: "asc" }],
      },
      epochs: {
        orderBy: { epoch: "asc" },
        select: {
          epoch: true,
          iteration: true,
          loss: true,
          trainAcc: true,
          valAcc: true,
          learningRate: true,
          elapsedMs: true,
        },
      },
    },
  });
  const byId = new Map(rows.map((row) => [row.id, row]));
  const runs: RunHead[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (!row) continue;
    const valMistakes = row.valMistakes.map((m) => ({ ...m, imageUrl: mistakeImagePath(row.id, m.index) }));
    runs.push({ ...summaryOf(row), valMistakes, epochs: row.epochs });
  }
  return { runs, missing: ids.filter((id) => !byId.has(id)) };
}

/**
 * The runs with their losses, read one run at a time as the export is written: 50 runs of a million
 * iterations each, read at once, held ~400 MB of numbers and then their text.
 */
export async function* withLosses(db: Db, runs: RunHead[]): AsyncGenerator<RunRecord> {
  for (const run of runs) yield { ...run, losses: Array.from(await readLosses(db, run.id)) };
}

/** A sweep's trials in the order they were queued, or null if there is no such sweep. */
export async function readTrials(db: Db, sweepId: string): Promise<TrialRecord[] | null> {
  const sweep = await db.sweep.findUnique({
    where: { id: sweepId },
    select: { runs: { select: RUN_COLUMNS, orderBy: QUEUED_ORDER } },
  });
  return (
    sweep?.runs.map((run) => {
      const { note: _note, ...trial } = summaryOf(run);
      return trial;
    }) ?? null
  );
}

/** Columns of the runs CSV, in order (hyperparameters by their API names). */
export const RUN_CSV_COLUMNS = [
  "run_id",
  "run_name",
  ...HYPERPARAMETER_NAMES,
  "record",
  "epoch",
  "iteration",
  "loss",
  "train_acc",
  "val_acc",
  "learning_rate",
  "elapsed_ms",
] as const;

type CsvCell = string | number | null;

/** The CSV rows of some runs: for each, its iterations, then its epochs. */
export async function* runCsvRows(runs: AsyncIterable<RunRecord>): AsyncGenerator<CsvCell[]> {
  for await (const run of runs) {
    const lead = [run.id, run.name, ...HYPERPARAMETER_NAMES.map((name) => run.hyperparameters[name])];
    for (let i = 0; i < run.losses.length; i++)
      yield [...lead, "iteration", null, i, run.losses[i] ?? null, null, null, null, null];
    for (const e of run.epochs)
      yield [...lead, "epoch", e.epoch, e.iteration, e.loss, e.trainAcc, e.valAcc, e.learningRate, e.elapsedMs];
  }
}

export const TRIAL_CSV_COLUMNS = [
  "run_id",
  "run_name",
  "tags",
  "status",
  ...HYPERPARAMETER_NAMES,
  "iteration",
  "final_val_acc",
  "best_val_acc",
  "test_acc",
  "backend",
  "created_at",
  "finished_at",
] as const;

/** One row per trial; tags joined by spaces (a tag holds none). */
export function* trialCsvRows(trials: TrialRecord[]): Generator<CsvCell[]> {
  for (const t of trials)
    yield [
      t.id,
      t.name,
      t.tags.join(" "),
      t.status,
      ...HYPERPARAMETER_NAMES.map((name) => t.hyperparameters[name]),
      t.iteration,
      t.finalValAcc,
      t.bestValAcc,
      t.testAcc,
      t.backend,
      t.createdAt.toISOString(),
      t.finishedAt?.toISOString() ?? null,
    ];
}
