// reproduceRun's proof: a reproduction's per-iteration losses (as stored, float32) and its final
// parameters against its original's. Compared by the trainer in the transaction that marks the
// reproduction SUCCEEDED, so the verdict is written once, with the values it was computed from, and
// read back from the run's row.
import { Prisma } from "@trainql/db";
import { readLosses } from "./lossStore.ts";

export interface LossComparison {
  /** Every iteration both runs have holds the same float32 bits, and both have the same count. */
  identical: boolean;
  /** The first iteration whose loss differs (or that only one of the runs has); null when identical. */
  firstDifferenceIteration: number | null;
  /** reproduction − original at firstDifferenceIteration; null when identical or one run lacks it. */
  firstDifference: number | null;
  /** The largest |reproduction − original| over the iterations both runs have (0 when identical). */
  maxAbsDifference: number;
}

/**
 * Compares two loss series bit for bit: by their float32 bit patterns, not by `===`, so that
 * -0 and +0 count as different and a NaN equals the very same NaN — "bit-identical" means exactly that.
 */
export function compareLosses(original: Float32Array, reproduction: Float32Array): LossComparison {
  const a = new Uint32Array(original.buffer, original.byteOffset, original.length);
  const b = new Uint32Array(reproduction.buffer, reproduction.byteOffset, reproduction.length);
  const common = Math.min(a.length, b.length);
  let first: number | null = null;
  let maxAbs = 0;
  for (let i = 0; i < common; i++) {
    if (a[i] === b[i]) continue;
    first ??= i;
    const d = Math.abs((reproduction[i] as number) - (original[i] as number));
    // A NaN on one side only is the largest difference there is.
    maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(maxAbs, d);
  }
  if (first === null && a.length !== b.length) first = common;
  return {
    identical: first === null,
    firstDifferenceIteration: first,
    firstDifference:
      first === null || first >= common ? null : (reproduction[first] as number) - (original[first] as number),
    maxAbsDifference: maxAbs,
  };
}

/** SQL for the header length of checkpoint row `alias` (see compareFinalParameters). */
const HEADER_LENGTH = (alias: "r" | "o") => {
  const byte = (i: number) => `get_byte(substring(${alias}.data FROM 9 FOR 4), ${i})`;
  return Prisma.raw(`(${byte(0)} + (${byte(1)} << 8) + (${byte(2)} << 16) + (${byte(3)} << 24))`);
};

/**
 * Whether two runs' final parameters are bit-identical: their checkpoints' bytes past the header
 * (which names the backend, so it may differ), compared in PostgreSQL rather than fetched (a net of
 * the reference's size is 61 MB a checkpoint). The layout is format.ts' in @trainql/nn: the header's
 * length is the little-endian u32 at byte 8 (read as a 4-byte slice: the values are stored
 * uncompressed, so a slice reads only its bytes), the parameters start at byte 12 + length. Null when
 * either run has no checkpoint, or the two were taken at different iterations.
 */
async function compareFinalParameters(
  tx: Prisma.TransactionClient,
  runId: string,
  originalId: string,
): Promise<boolean | null> {
  const rows = await tx.$queryRaw<{ identical: boolean }[]>`
    SELECT substring(r.data FROM 13 + ${HEADER_LENGTH("r")}) = substring(o.data FROM 13 + ${HEADER_LENGTH("o")}) AS identical
    FROM "Checkpoint" r JOIN "Checkpoint" o USING (iteration)
    WHERE r."runId" = ${runId}::uuid AND o."runId" = ${originalId}::uuid`;
  return rows[0]?.identical ?? null;
}

/**
 * Compares a finished reproduction with its original, its losses and its final parameters (its
 * last checkpoint is committed before its SUCCEEDED), and stores the verdict on the reproduction's row.
 */
export async function recordReproduction(
  tx: Prisma.TransactionClient,
  runId: string,
  originalId: string,
): Promise<LossComparison & { finalParametersIdentical: boolean | null }> {
  const [original, reproduction] = [await readLosses(tx, originalId), await readLosses(tx, runId)];
  const result = {
    ...compareLosses(original, reproduction),
    finalParametersIdentical: await compareFinalParameters(tx, runId, originalId),
  };
  await tx.run.update({
    where: { id: runId },
    data: {
      reproducedIdentical: result.identical,
      firstDifferenceIteration: result.firstDifferenceIteration,
      firstDifference: result.firstDifference,
      // PostgreSQL's double precision holds Infinity; JSON would not, so the API reports it as null.
      maxAbsDifference: result.maxAbsDifference,
      finalParametersIdentical: result.finalParametersIdentical,
    },
  });
  return result;
}
