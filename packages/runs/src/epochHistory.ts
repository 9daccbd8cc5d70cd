// What a run keeps of its past epochs: a first-layer weights image (the run page's slider) and the
// parameters (forkRun starts new runs from them). Both are bounded per run by one rule: keep every
// epoch while there are few, then thin by doubling a stride — the epochs kept are the multiples of
// the stride, plus the latest epoch. Thinning only ever removes (multiples of 2s are multiples of s),
// so a run that trains on keeps a spread over its whole history, and the newest epoch is always there.
import type { Prisma } from "@trainql/db";

type Tx = Prisma.TransactionClient;

/**
 * Weights images kept per run. An image at the default hidden size (36) is about 10 KB
 * (README: storage), so at most ~0.6 MB per run.
 */
export const MAX_WEIGHTS_IMAGES = 64;

/** Epoch checkpoints kept per run, at most: also bounded by EPOCH_CHECKPOINT_BUDGET_BYTES. */
export const MAX_EPOCH_CHECKPOINTS = 32;

/** The most bytes of epoch checkpoints one run keeps (a checkpoint is 4 bytes per parameter). */
export const EPOCH_CHECKPOINT_BUDGET_BYTES = 64 * 2 ** 20;

/**
 * The stride of the epochs kept once the latest epoch is `latest`: the smallest power of two that
 * leaves at most `maxKept` epochs (its multiples up to `latest`, and `latest` itself).
 */
export function keptStride(latest: number, maxKept: number): number {
  if (maxKept < 2) throw new RangeError(`maxKept must be at least 2; got ${maxKept}`);
  let stride = 1;
  while (Math.floor(latest / stride) + 2 > maxKept) stride *= 2;
  return stride;
}

/** Whether `epoch` is still kept once the latest epoch is `latest`. */
export function isKept(epoch: number, latest: number, maxKept: number): boolean {
  return epoch === latest || epoch % keptStride(latest, maxKept) === 0;
}

/**
 * How many epoch checkpoints a run keeps, given its parameter count: what the budget holds, at most
 * MAX_EPOCH_CHECKPOINTS; 0 when it holds fewer than 2 (a net over ~8M parameters, H > 2,700), whose
 * runs can then not be forked.
 */
export function epochCheckpointsKept(parameterCount: number): number {
  const kept = Math.min(MAX_EPOCH_CHECKPOINTS, Math.floor(EPOCH_CHECKPOINT_BUDGET_BYTES / (4 * parameterCount)));
  return kept >= 2 ? kept : 0;
}

/** Stores epoch `epoch`'s weights image (the latest), then drops the images no longer kept. */
export async function keepWeightsImage(tx: Tx, runId: string, epoch: number, png: Uint8Array): Promise<void> {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  await tx.$executeRaw`INSERT INTO "WeightsImage" ("runId", "epoch", "png") VALUES (${runId}::uuid, ${epoch}, ${bytes})
    ON CONFLICT ("runId", "epoch") DO UPDATE SET "png" = EXCLUDED."png"`;
  const stride = keptStride(epoch, MAX_WEIGHTS_IMAGES);
  await tx.$executeRaw`DELETE FROM "WeightsImage" WHERE "runId" = ${runId}::uuid AND "epoch" <> ${epoch} AND "epoch" % ${stride} <> 0`;
}

/**
 * Stores the parameters after epoch `epoch` (the latest; `iteration` is the one they resume at), then
 * drops the checkpoints no longer kept. `maxKept` comes from epochCheckpointsKept.
 */
export async function keepEpochCheckpoint(
  tx: Tx,
  runId: string,
  checkpoint: { epoch: number; iteration: number; data: Uint8Array },
  maxKept: number,
): Promise<void> {
  const { epoch, iteration } = checkpoint;
  const data = Buffer.from(checkpoint.data.buffer, checkpoint.data.byteOffset, checkpoint.data.byteLength);
  await tx.$executeRaw`INSERT INTO "EpochCheckpoint" ("runId", "epoch", "iteration", "data") VALUES (${runId}::uuid, ${epoch}, ${iteration}, ${data})
    ON CONFLICT ("runId", "epoch") DO UPDATE SET "iteration" = EXCLUDED."iteration", "data" = EXCLUDED."data"`;
  const stride = keptStride(epoch, maxKept);
  await tx.$executeRaw`DELETE FROM "EpochCheckpoint" WHERE "runId" = ${runId}::uuid AND "epoch" <> ${epoch} AND "epoch" % ${stride} <> 0`;
}

/** Drops the images and checkpoints of epochs past the last epoch record (a run rewound to its checkpoint). */
export async function rewindEpochHistory(tx: Tx, runId: string): Promise<void> {
  await tx.$executeRaw`DELETE FROM "WeightsImage" WHERE "runId" = ${runId}::uuid
    AND "epoch" > (SELECT coalesce(max("epoch"), -1) FROM "EpochMetric" WHERE "runId" = ${runId}::uuid)`;
  await tx.$executeRaw`DELETE FROM "EpochCheckpoint" WHERE "runId" = ${runId}::uuid
    AND "epoch" > (SELECT coalesce(max("epoch"), -1) FROM "EpochMetric" WHERE "runId" = ${runId}::uuid)`;
}
