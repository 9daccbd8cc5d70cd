// Everything a trainer writes about a run, each step in one transaction together with its
// notification: subscribers are told only about what is already committed.
import { type EpochMetrics, weightsImage } from "@trainql/nn";
import type { Db, Prisma, RunStatus } from "../db/prisma.ts";
import { publishRunEvent, publishSweepChanged } from "../events/publish.ts";
import { sampleLosses } from "../events/runEvents.ts";
import { enqueueAdvanceSweep } from "../queue/runQueue.ts";
import { appendLosses } from "./lossStore.ts";

type Tx = Prisma.TransactionClient;

/** How often buffered losses are written while no epoch boundary comes. */
const LOSS_FLUSH_MS = 1000;

export class RunRecorder {
  private pending: number[] = [];
  private pendingFrom: number;
  private lastFlush = performance.now();
  bestValAcc: number | null = null;

  constructor(
    private readonly db: Db,
    readonly runId: string,
    private readonly sweepId: string | null = null,
    startIteration = 0,
    bestValAcc: number | null = null,
  ) {
    this.pendingFrom = startIteration;
    this.bestValAcc = bestValAcc;
  }

  /** QUEUED → RUNNING, claimed by this trainer. False when the run is no longer QUEUED (cancelled, deleted). */
  async start(trainerId: string, backend: { name: string; device: string }): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.run.updateMany({
        where: { id: this.runId, status: "QUEUED" },
        data: { status: "RUNNING", startedAt: new Date(), trainerId, backend: backend.name, device: backend.device },
      });
      if (count === 1) {
        await publishRunEvent(tx, { type: "status", runId: this.runId, status: "RUNNING" }, true);
        if (this.sweepId) await publishSweepChanged(tx, this.sweepId);
      }
      return count === 1;
    });
  }

  async iteration(loss: number): Promise<void> {
    this.pending.push(loss);
    if (performance.now() - this.lastFlush >= LOSS_FLUSH_MS) await this.flush();
  }

  private async writeLosses(tx: Tx): Promise<void> {
    if (this.pending.length === 0) return;
    const from = this.pendingFrom;
    const losses = this.pending;
    await appendLosses(tx, this.runId, from, losses);
    const to = from + losses.length;
    await tx.run.update({ where: { id: this.runId }, data: { iteration: to } });
    await publishRunEvent(
      tx,
      { type: "losses", runId: this.runId, from, to, points: sampleLosses(from, losses) },
      true,
    );
    this.pending = [];
    this.pendingFrom = to;
    this.lastFlush = performance.now();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    await this.db.$transaction((tx) => this.writeLosses(tx));
  }

  /** An epoch's metrics, the losses so far and the current first-layer weights, atomically. */
  async epoch(m: EpochMetrics, W1: Float32Array, hiddenSize: number): Promise<void> {
    this.bestValAcc = Math.max(this.bestValAcc ?? 0, m.valAcc);
    const png = weightsImage(W1, hiddenSize).png;
    const recordedAt = new Date();
    await this.db.$transaction(async (tx) => {
      await this.writeLosses(tx);
      await tx.epochMetric.upsert({
        where: { runId_epoch: { runId: this.runId, epoch: m.epoch } },
        create: { runId: this.runId, ...m, recordedAt },
        update: {},
      });
      await tx.run.update({
        where: { id: this.runId },
        data: { bestValAcc: this.bestValAcc, weightsPng: new Uint8Array(png), weightsEpoch: m.epoch },
      });
      await publishRunEvent(tx, {
        type: "epoch",
        runId: this.runId,
        epoch: { ...m, recordedAt: recordedAt.toISOString() },
      });
      await publishRunEvent(tx, { type: "weights", runId: this.runId, epoch: m.epoch });
      if (this.sweepId) await publishSweepChanged(tx, this.sweepId);
    });
  }

  /** The end of the run, whatever it was; the checkpoint with it when training finished. */
  async finish(
    status: Extract<RunStatus, "SUCCEEDED" | "FAILED" | "CANCELLED" | "STOPPED">,
    details: { error?: string; finalValAcc?: number; checkpoint?: { iteration: number; data: Uint8Array } },
  ): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await this.writeLosses(tx);
      if (details.checkpoint) {
        const data = new Uint8Array(details.checkpoint.data);
        await tx.checkpoint.upsert({
          where: { runId: this.runId },
          create: { runId: this.runId, iteration: details.checkpoint.iteration, data },
          update: { iteration: details.checkpoint.iteration, data },
        });
      }
      await tx.run.update({
        where: { id: this.runId },
        data: {
          status,
          finishedAt: new Date(),
          error: details.error ?? null,
          finalValAcc: details.finalValAcc ?? null,
        },
      });
      await publishRunEvent(tx, { type: "status", runId: this.runId, status }, true);
      if (this.sweepId) {
        await publishSweepChanged(tx, this.sweepId);
        await enqueueAdvanceSweep(tx, this.sweepId);
      }
    });
  }
}
