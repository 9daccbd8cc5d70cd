// Per-iteration losses, packed as float32 in chunks of CHUNK iterations (see LossChunk in
// schema.prisma): one row per 4,096 iterations, appended in place as training goes.
import type { Db, Prisma, SqlTx } from "@trainql/db";
import { minMaxIndices } from "./minMaxDownsample.ts";

export const CHUNK = 4096;

function toBytes(values: ArrayLike<number>): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return bytes;
}

/**
 * Appends the losses of iterations from, from+1, … (written in order, so a new chunk always starts
 * at its offset 0). Idempotent: a part whose start is not the chunk's current end (a retry of a
 * write that did commit) changes nothing.
 */
export async function appendLosses(tx: SqlTx, runId: string, from: number, losses: number[]) {
  let i = 0;
  while (i < losses.length) {
    const iteration = from + i;
    const chunk = Math.floor(iteration / CHUNK);
    const offset = iteration - chunk * CHUNK;
    const part = losses.slice(i, i + (CHUNK - offset));
    await tx.$executeRaw`
      INSERT INTO "LossChunk" ("runId", "chunk", "count", "losses")
      VALUES (${runId}::uuid, ${chunk}, ${part.length}, ${toBytes(part)})
      ON CONFLICT ("runId", "chunk") DO UPDATE
        SET "losses" = "LossChunk"."losses" || EXCLUDED."losses", "count" = "LossChunk"."count" + EXCLUDED."count"
        WHERE "LossChunk"."count" = ${offset}`;
    i += part.length;
  }
}

/** Losses of iterations [from, to) as stored (to = undefined: all). */
export async function readLosses(
  db: Db | Prisma.TransactionClient,
  runId: string,
  from = 0,
  to?: number,
): Promise<Float32Array> {
  const chunks = await db.lossChunk.findMany({
    where: {
      runId,
      chunk: { gte: Math.floor(from / CHUNK), ...(to === undefined ? {} : { lt: Math.ceil(to / CHUNK) }) },
    },
    orderBy: { chunk: "asc" },
  });
  const parts: Float32Array[] = [];
  let next = Math.floor(from / CHUNK) * CHUNK;
  for (const c of chunks) {
    if (c.chunk * CHUNK !== next) break; // never read past a gap
    const bytes = c.losses;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = new Float32Array(c.count);
    for (let k = 0; k < c.count; k++) values[k] = view.getFloat32(k * 4, true);
    parts.push(values);
    next += c.count;
    if (c.count < CHUNK) break;
  }
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const start = from - Math.floor(from / CHUNK) * CHUNK;
  return all.subarray(start, to === undefined ? undefined : to - Math.floor(from / CHUNK) * CHUNK);
}

/**
 * At most `maxPoints` points of the losses of iterations from, from + 1, …: each bucket's lowest and
 * highest loss, and the last (minMaxDownsample.ts), so a spike is never averaged away.
 */
export function downsample(losses: Float32Array, maxPoints: number, from = 0): { iteration: number; loss: number }[] {
  return minMaxIndices(
    losses.length,
    (i) => i,
    (i) => losses[i] as number,
    maxPoints,
  ).map((i) => ({
    iteration: from + i,
    loss: losses[i] as number,
  }));
}
