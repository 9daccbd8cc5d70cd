// What a run keeps of its past epochs: a first-layer weights image (the run page's slider) and the
// parameters (forkRun starts new runs from them). Both are bounded per run by one rule: keep every
// epoch while there are few, then thin by doubling a stride — the epochs kept are the multiples of
// the stride, plus the latest epoch. Thinning only ever removes (multiples of 2s are multiples of s),
// so a run that trains on keeps a spread over its whole history, and the newest epoch is always there.
import type { SqlTx as Tx } from "@trainql/db";

/** Weights images kept per run, at most: also bounded by WEIGHTS_IMAGES_BUDGET_BYTES. */
export const MAX_WEIGHTS_IMAGES = 32;

/**
 * The most bytes of weights images one run keeps, counting each image at its uncompressed size (3
 * bytes a pixel): weights look like noise, and PNG barely shrinks them (110 KB for H = 36).
 */
export const WEIGHTS_IMAGES_BUDGET_BYTES = 16 * 2 ** 20;

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

/** How many of something `bytes` large a budget holds, at most `max`; 0 when it holds fewer than 2. */
function keptWithin(budget: number, bytes: number, max: number): number {
  const kept = Math.min(max, Math.floor(budget / bytes));
  return kept >= 2 ? kept : 0;
}

/**
 * A checkpoint at most this large is taken at every epoch for the epoch checkpoints (H ≤ 170): its
 * write is small beside an epoch's training. A larger one (6.3 MB at H = 512 costs a run ~240 ms,
 * README: "What a checkpoint costs") is kept only at the epochs where the trainer checkpoints anyway
 * (every CHECKPOINT_INTERVAL_S), so forking a large run costs no extra checkpoints, only their copies.
 */
export const EVERY_EPOCH_CHECKPOINT_BYTES = 2 * 2 ** 20;

/** Which epochs' parameters a run keeps, given its parameter count (4 bytes each). */
export interface EpochCheckpointPolicy {
  /**
   * How many at most: 32 up to H ≈ 170, fewer beyond (within EPOCH_CHECKPOINT_BUDGET_BYTES), none
   * over ~8M parameters (H > 2,700), whose runs then cannot be forked.
   */
  kept: number;
  /** Every epoch (else only those the trainer checkpoints anyway). */
  everyEpoch: boolean;
}

export function epochCheckpointPolicy(parameterCount: number): EpochCheckpointPolicy {
  const bytes = 4 * parameterCount;
  return {
    kept: keptWithin(EPOCH_CHECKPOINT_BUDGET_BYTES, bytes, MAX_EPOCH_CHECKPOINTS),
    everyEpoch: bytes <= EVERY_EPOCH_CHECKPOINT_BYTES,
  };
}

/**
 * How many weights images a run keeps, given the image's size in pixels: 32 up to H ≈ 160, fewer
 * beyond, none (only the latest, on the Run) over ~2.8M pixels (H > 2,600).
 */
export function weightsImagesKept(pixels: number): number {
  return keptWithin(WEIGHTS_IMAGES_BUDGET_BYTES, 3 * pixels, MAX_WEIGHTS_IMAGES);
}

/**
 * Stores epoch `epoch`'s weights image (the latest), then drops the images no longer kept. `maxKept`
 * comes from weightsImagesKept; 0 stores nothing.
 */
export async function keepWeightsImage(
  tx: Tx,
  runId: string,
  image: { epoch: number; png: Uint8Array },
  maxKept: number,
): Promise<void> {
  if (maxKept === 0) return;
  const { epoch, png } = image;
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  await tx.$executeRaw`INSERT INTO "WeightsImage" ("runId", "epoch", "png") VALUES (${runId}::uuid, ${epoch}, ${bytes})
    ON CONFLICT ("runId", "epoch") DO UPDATE SET "png" = EXCLUDED."png"`;
  const stride = keptStride(epoch, maxKept);
  await tx.$executeRaw`DELETE FROM "WeightsImage" WHERE "runId" = ${runId}::uuid AND "epoch" <> ${epoch} AND "epoch" % ${stride} <> 0`;
}

/**
 * Stores the parameters after epoch `epoch` (the latest; `iteration` is the one they resume at), then
 * drops the checkpoints no longer kept. `maxKept` comes from epochCheckpointPolicy.
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
  // The latest image is the newest one kept (unless the run keeps none and holds it itself).
  await tx.$executeRaw`UPDATE "Run" SET "weightsEpoch" = (SELECT max("epoch") FROM "WeightsImage" WHERE "runId" = ${runId}::uuid)
    WHERE id = ${runId}::uuid AND "weightsPng" IS NULL`;
}
